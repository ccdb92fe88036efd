package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.execute;
import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static dev.berth.jdbc.tx.TestDatabases.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.TestPostgres;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Transactions left open too long are reported with their call site, counted, and optionally rolled back. */
class LongTransactionTest {

    private static final String TABLE = TestDatabases.table("berth_tx_long");
    private final BlockingQueue<LongTransaction> reports = new LinkedBlockingQueue<>();
    private BerthDataSource dataSource;

    @BeforeAll
    static void createTable() throws SQLException {
        execute("create table " + TABLE + " (id int primary key)");
    }

    @AfterAll
    static void dropTable() throws SQLException {
        execute("drop table if exists " + TABLE);
    }

    @BeforeEach
    void open() {
        dataSource = TestDatabases.dataSource("tx-long", 2);
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    private Database watched(Duration abortAfter) {
        return Database.builder().primary(dataSource)
                .longTransactionThreshold(Duration.ofMillis(100))
                .longTransactionAbortAfter(abortAfter)
                .onLongTransaction(reports::add)
                .build();
    }

    private LongTransaction nextReport() throws InterruptedException {
        LongTransaction report = reports.poll(20, TimeUnit.SECONDS);
        assertThat(report).as("a long-transaction report within 20 s").isNotNull();
        return report;
    }

    @Test
    void aTransactionOpenTooLongIsReportedWithTheCallSiteThatBeganItAndCounted() throws Exception {
        try (Database db = watched(Duration.ZERO); Transaction tx = db.begin()) {
            LongTransaction report = nextReport();
            assertThat(report.callSite()).startsWith(LongTransactionTest.class.getName()
                    + ".aTransactionOpenTooLongIsReportedWithTheCallSiteThatBeganItAndCounted(LongTransactionTest.java:");
            assertThat(report.openFor()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
            assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
            assertThat(report.aborted()).isFalse();
            assertThat(report.toString()).contains("still open after").contains(report.callSite());
            assertThat(db.stats().longTransactions()).isEqualTo(1);
            assertThat(db.stats().openTransactions()).isEqualTo(1);
            assertThat(tx.isActive()).isTrue();   // reporting alone does not touch the transaction
        }
    }

    @Test
    void pastTheAbortLimitTheTransactionIsRolledBackAndItsConnectionDestroyed() throws Exception {
        long destroyedBefore;
        try (Database db = watched(Duration.ofMillis(300))) {
            destroyedBefore = dataSource.stats().destroyed();
            assertThatThrownBy(() -> db.transaction(tx -> {
                update(tx.connection(), "insert into " + TABLE + " values (1)");
                while (!nextReport().aborted()) {
                    // the first report is the threshold's; wait for the abort
                }
                return queryLong(tx.connection(), "select 1");
            })).isInstanceOf(SQLException.class)
                    .hasMessageContaining("longTransactionAbortAfter (300 ms)")
                    .hasMessageContaining("LongTransactionTest")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P04"))
                    .satisfies(e -> assertThat(e.getCause()).isInstanceOf(SQLException.class));
            assertThat(db.stats().longTransactionsAborted()).isEqualTo(1);
        }
        assertThat(queryLong("select count(*) from " + TABLE + " where id = 1")).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> dataSource.stats().destroyed() > destroyedBefore);
    }

    /**
     * The watcher's abort and the owner's commit race on every transaction near the limit: the call must tell
     * the truth either way (success means the row is there; 25P04 means it is not), and never be ambiguous.
     */
    @Test
    void anAbortRacingACommitNeverMisreportsTheOutcome() throws Exception {
        int transactions = 160;
        java.util.Map<Integer, Throwable> failures = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Set<Integer> succeeded = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (Database db = Database.builder().primary(dataSource)
                .longTransactionThreshold(Duration.ZERO)
                .longTransactionAbortAfter(Duration.ofMillis(15))
                .defaultRetry(RetryPolicy.none())
                .build();
             java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < transactions; i++) {
                int id = 1_000 + i;
                long sleepMicros = (i * 7919L) % 30_000;   // 0..30 ms: some finish before the limit, some after
                done.add(threads.submit(() -> {
                    try {
                        db.transaction(tx -> {
                            update(tx.connection(), "insert into " + TABLE + " values (" + id + ")");
                            return queryLong(tx.connection(), "select count(*) from pg_sleep(" + sleepMicros / 1e6 + ")");
                        });
                        succeeded.add(id);
                    } catch (Throwable t) {
                        failures.put(id, t);
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        assertThat(succeeded.size() + failures.size()).isEqualTo(transactions);
        assertThat(failures.values()).allSatisfy(t -> assertThat(((SQLException) t).getSQLState()).isEqualTo("25P04"));
        assertThat(succeeded).as("some finished in time").isNotEmpty();
        assertThat(failures).as("some were aborted").isNotEmpty();
        java.util.Set<Integer> stored = new java.util.HashSet<>();
        try (java.sql.Connection c = TestPostgres.plainConnection(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("select id from " + TABLE + " where id >= 1000")) {
            while (rs.next()) {
                stored.add(rs.getInt(1));
            }
        }
        assertThat(stored).isEqualTo(succeeded);
    }

    @Test
    void aLeakedTryWithResourcesTransactionCannotCommitAfterTheAbort() throws Exception {
        try (Database db = watched(Duration.ofMillis(300)); Transaction tx = db.begin()) {
            update(tx.connection(), "insert into " + TABLE + " values (2)");
            while (!nextReport().aborted()) {
                // wait for the abort
            }
            assertThatThrownBy(tx::commit).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P04"));
        }
        assertThat(queryLong("select count(*) from " + TABLE + " where id = 2")).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> dataSource.stats().leased() == 0);
    }
}
