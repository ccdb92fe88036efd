package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.execute;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.jdbc.testing.Accounts;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bank: 50 accounts, 32 concurrent workers, thousands of random transfers written as naive
 * read-modify-write ({@link Accounts#transfer}: read both balances, compute, write both). Under SERIALIZABLE with berth's retry the money
 * is conserved to the cent and every balance matches the ledger of committed transfers; the very same code
 * under READ COMMITTED loses updates, which proves the anomaly is real and that the isolation level plus retry
 * is what removes it. Needs the real PostgreSQL ({@link TestPostgres}).
 */
class BankTransferTest {

    private static final int ACCOUNTS = 50;
    private static final long OPENING_BALANCE = 1_000;
    private static final int WORKERS = 32;
    private static final int TRANSFERS_PER_WORKER = 100;
    private static final int POOL_SIZE = 16;

    private final String table = TestDatabases.table("berth_bank");
    private final Accounts bank = new Accounts(table);
    private BerthDataSource dataSource;

    /** A committed transfer, recorded after the call returned. */
    private record Transfer(int from, int to, long amount) {
    }

    /** What one run produced. */
    private record Outcome(long[] balances, long[] expected, long total, long lowest, int mismatched, long committed, long failedCalls) {
    }

    @BeforeEach
    void openBank() throws SQLException {
        execute("create table " + table + " (id int primary key, balance bigint not null)",
                "insert into " + table + " select g, " + OPENING_BALANCE + " from generate_series(0, " + (ACCOUNTS - 1) + ") g");
        dataSource = openDataSource(POOL_SIZE);
    }

    /** @return the pool the bank runs on; {@link PgBouncerBankTransferTest} puts PgBouncer in between */
    BerthDataSource openDataSource(int size) {
        return TestDatabases.dataSource("bank", size);
    }

    @AfterEach
    void closeBank() throws SQLException {
        dataSource.close();
        execute("drop table if exists " + table);
    }

    private Outcome run(Database db, TransactionOptions options, int transfersPerWorker) throws Exception {
        Queue<Transfer> ledger = new ConcurrentLinkedQueue<>();
        LongAdder failedCalls = new LongAdder();
        List<Future<?>> workers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < WORKERS; w++) {
                SplittableRandom random = new SplittableRandom(1_000 + w);
                workers.add(threads.submit(() -> {
                    for (int i = 0; i < transfersPerWorker; i++) {
                        int from = random.nextInt(ACCOUNTS);
                        int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                        long amount = 1 + random.nextInt(200);
                        try {
                            if (db.transaction(options, tx -> bank.transfer(tx.connection(), from, to, amount))) {
                                ledger.add(new Transfer(from, to, amount));
                            }
                        } catch (SQLException e) {
                            failedCalls.increment();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(120, TimeUnit.SECONDS);
            }
        }
        long[] expected = new long[ACCOUNTS];
        java.util.Arrays.fill(expected, OPENING_BALANCE);
        for (Transfer t : ledger) {
            expected[t.from()] -= t.amount();
            expected[t.to()] += t.amount();
        }
        long[] balances = new long[ACCOUNTS];
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select id, balance from " + table)) {
            while (rs.next()) {
                balances[rs.getInt(1)] = rs.getLong(2);
            }
        }
        long total = 0;
        long lowest = Long.MAX_VALUE;
        int mismatched = 0;
        for (int i = 0; i < ACCOUNTS; i++) {
            total += balances[i];
            lowest = Math.min(lowest, balances[i]);
            if (balances[i] != expected[i]) {
                mismatched++;
            }
        }
        return new Outcome(balances, expected, total, lowest, mismatched, ledger.size(), failedCalls.sum());
    }

    private static final RetryPolicy PATIENT = RetryPolicy.defaults().maxAttempts(100).backoff(Duration.ofMillis(1), Duration.ofMillis(50));

    @Test
    void serializableWithRetryConservesMoneyExactlyAndRetriesConflicts() throws Exception {
        LongAdder retries = new LongAdder();
        RetryPolicy patient = PATIENT.listener(attempt -> {
            if (attempt.retrying()) {
                retries.increment();
            }
        });
        TransactionOptions serializable = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE).retry(patient);
        try (Database db = Database.of(dataSource)) {
            Outcome outcome = run(db, serializable, TRANSFERS_PER_WORKER);
            System.out.printf("bank SERIALIZABLE: %d transfers committed, %d retries, %d calls failed, total %d%n",
                    outcome.committed(), retries.sum(), outcome.failedCalls(), outcome.total());
            assertThat(outcome.failedCalls()).as("calls that gave up after 100 attempts").isZero();
            assertThat(outcome.total()).isEqualTo(ACCOUNTS * OPENING_BALANCE);
            assertThat(outcome.lowest()).isNotNegative();
            assertThat(outcome.balances()).as("every balance equals opening balance + committed transfers").containsExactly(outcome.expected());
            assertThat(outcome.committed()).isGreaterThan(WORKERS * TRANSFERS_PER_WORKER / 2);
            assertThat(retries.sum()).as("serialization failures retried").isPositive();
            assertThat(db.stats().retries()).isEqualTo(retries.sum());
        }
    }

    /** A quarter of the transfers is plenty to show the anomaly (it hits almost every account). */
    @Test
    void readCommittedWithTheSameCodeLosesUpdates() throws Exception {
        // same retry policy: under READ COMMITTED it only ever sees deadlocks (40P01), as the transfers lock in random order
        TransactionOptions readCommitted = TransactionOptions.defaults().isolation(Isolation.READ_COMMITTED).retry(PATIENT);
        try (Database db = Database.of(dataSource)) {
            Outcome outcome = run(db, readCommitted, TRANSFERS_PER_WORKER / 4);
            System.out.printf("bank READ COMMITTED: %d transfers committed, %d of %d balances differ from the ledger, total %d (should be %d)%n",
                    outcome.committed(), outcome.mismatched(), ACCOUNTS, outcome.total(), ACCOUNTS * OPENING_BALANCE);
            assertThat(outcome.failedCalls()).isZero();
            assertThat(outcome.mismatched()).as("balances that lost a committed transfer (lost updates)").isPositive();
        }
    }
}
