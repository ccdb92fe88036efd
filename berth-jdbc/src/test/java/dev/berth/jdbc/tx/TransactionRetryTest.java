package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.execute;
import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static dev.berth.jdbc.tx.TestDatabases.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retry of serialization failures and deadlocks, and the commit that is never retried. */
class TransactionRetryTest {

    @RegisterExtension
    static final DatabaseFixture PG = DatabaseFixture.of("berth_tx_retry", "id int primary key, value int not null",
            "tx-retry", 4);
    private static final String TABLE = PG.table();
    private static final TransactionOptions REPEATABLE_READ = TransactionOptions.defaults().isolation(Isolation.REPEATABLE_READ);
    private static final RetryPolicy FAST = RetryPolicy.defaults().backoff(Duration.ofMillis(1), Duration.ofMillis(5));
    private static final String FORCED_40001 = "DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'serialization_failure'; END $$";

    private static void row(int id, int value) throws SQLException {
        execute("insert into " + TABLE + " values (" + id + ", " + value + ")");
    }

    @Test
    void aSerializationFailureRerunsTheWholeWorkInAFreshTransaction() throws SQLException {
        row(1, 0);
        List<RetryListener.Attempt> attempts = new CopyOnWriteArrayList<>();
        long result = PG.db().transaction(REPEATABLE_READ.retry(FAST.listener(attempts::add)), tx -> {
            long seen = queryLong(tx.connection(), "select value from " + TABLE + " where id = 1");   // snapshot taken
            if (tx.attempt() == 1) {
                execute("update " + TABLE + " set value = value + 100 where id = 1");              // a concurrent commit
            }
            update(tx.connection(), "update " + TABLE + " set value = " + (seen + 1) + " where id = 1");  // 40001 on attempt 1
            return seen + 1;
        });
        assertThat(result).isEqualTo(101);
        assertThat(queryLong("select value from " + TABLE + " where id = 1")).isEqualTo(101);
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).retrying()).isTrue();
        assertThat(((SQLException) attempts.get(0).failure()).getSQLState()).isEqualTo("40001");
        assertThat(attempts.get(1).succeeded()).isTrue();
        assertThat(attempts.get(1).number()).isEqualTo(2);
        assertThat(PG.db().stats().retries()).isPositive();
    }

    @Test
    void aDeadlockIsRetriedAndBothTransfersComplete() throws Exception {
        row(10, 0);
        row(11, 0);
        CountDownLatch firstLocked = new CountDownLatch(2);
        List<RetryListener.Attempt> attempts = new CopyOnWriteArrayList<>();
        RetryPolicy policy = FAST.listener(attempts::add);
        CompletableFuture<Void> one = lockBothInOrder(10, 11, firstLocked, policy);
        CompletableFuture<Void> two = lockBothInOrder(11, 10, firstLocked, policy);
        one.get(30, TimeUnit.SECONDS);
        two.get(30, TimeUnit.SECONDS);
        // usually one retry; the victim's retry may win the race for its first row again and deadlock once more
        assertThat(attempts).filteredOn(RetryListener.Attempt::retrying)
                .isNotEmpty()
                .allSatisfy(a -> assertThat(((SQLException) a.failure()).getSQLState()).isEqualTo("40P01"));
        assertThat(queryLong("select sum(value) from " + TABLE + " where id in (10, 11)")).isEqualTo(4);
    }

    private static CompletableFuture<Void> lockBothInOrder(int first, int second, CountDownLatch firstLocked, RetryPolicy policy) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                PG.db().transaction(TransactionOptions.defaults().retry(policy), tx -> {
                    Connection c = tx.connection();
                    update(c, "set local deadlock_timeout = '50ms'");
                    update(c, "update " + TABLE + " set value = value + 1 where id = " + first);
                    if (tx.attempt() == 1) {
                        firstLocked.countDown();
                        assertThat(firstLocked.await(20, TimeUnit.SECONDS)).isTrue();
                    }
                    update(c, "update " + TABLE + " set value = value + 1 where id = " + second);
                    return null;
                });
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    @Test
    void whenAttemptsRunOutTheLastFailureCarriesTheEarlierOnesAsSuppressed() {
        AtomicInteger runs = new AtomicInteger();
        List<RetryListener.Attempt> attempts = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> PG.db().transaction(TransactionOptions.defaults().retry(FAST.maxAttempts(3).listener(attempts::add)), tx -> {
            runs.incrementAndGet();
            update(tx.connection(), FORCED_40001);
            return null;
        })).isInstanceOf(SQLException.class).satisfies(last -> {
            assertThat(((SQLException) last).getSQLState()).isEqualTo("40001");
            assertThat(last.getSuppressed()).hasSize(2)
                    .allSatisfy(earlier -> assertThat(((SQLException) earlier).getSQLState()).isEqualTo("40001"))
                    .doesNotContain(last);
        });
        assertThat(runs).hasValue(3);
        assertThat(attempts).extracting(RetryListener.Attempt::retrying).containsExactly(true, true, false);
    }

    @Test
    void aFailureOutsideTheRetryableSetRunsOnce() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> PG.db().transaction(TransactionOptions.defaults().retry(FAST), tx -> {
            runs.incrementAndGet();
            return queryLong(tx.connection(), "select 1/0");
        })).isInstanceOf(SQLException.class).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22012"));
        assertThat(runs).hasValue(1);
    }

    @Test
    void extraSqlStatesCanBeMadeRetryable() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        String result = PG.db().transaction(TransactionOptions.defaults().retry(FAST.retryOn("55P03")), tx -> {
            if (runs.incrementAndGet() == 1) {
                update(tx.connection(), "DO $$ BEGIN RAISE EXCEPTION 'busy' USING ERRCODE = 'lock_not_available'; END $$");
            }
            return "second time lucky";
        });
        assertThat(result).isEqualTo("second time lucky");
        assertThat(runs).hasValue(2);
    }

    @Test
    void anInterruptDuringTheBackoffStopsRetrying() throws Exception {
        CountDownLatch backingOff = new CountDownLatch(1);
        RetryPolicy slow = RetryPolicy.defaults().backoff(Duration.ofMinutes(10), Duration.ofMinutes(10))
                .listener(attempt -> backingOff.countDown());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread worker = Thread.ofVirtual().start(() -> {
            try {
                PG.db().transaction(TransactionOptions.defaults().retry(slow), tx -> update(tx.connection(), FORCED_40001));
                outcome.complete(null);
            } catch (Throwable t) {
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
                outcome.complete(t);
            }
        });
        assertThat(backingOff.await(10, TimeUnit.SECONDS)).isTrue();
        worker.interrupt();
        Throwable failure = outcome.get(10, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(SQLException.class);
        assertThat(failure.getSuppressed()).singleElement().isInstanceOf(InterruptedException.class);
    }

    @Test
    void aConnectionLostDuringCommitRaisesAmbiguousCommitAndIsNeverRetried() throws Exception {
        String table = TestDatabases.table("berth_tx_ambiguous");
        int lockKey = ThreadLocalRandom.current().nextInt(1_000_000, 2_000_000_000);
        // A deferred constraint trigger runs inside COMMIT and waits for an advisory lock the test holds:
        // COMMIT is then provably under way on the server when the test kills the backend.
        execute("create table " + table + " (id int)",
                "create function " + table + "_wait() returns trigger language plpgsql as $$ begin "
                        + "perform pg_advisory_lock(" + lockKey + "); perform pg_advisory_unlock(" + lockKey + "); return null; end $$",
                "create constraint trigger " + table + "_at_commit after insert on " + table
                        + " deferrable initially deferred for each row execute function " + table + "_wait()");
        List<RetryListener.Attempt> attempts = new CopyOnWriteArrayList<>();
        long destroyedBefore = PG.dataSource().stats().destroyed();
        try (Connection holder = TestPostgres.plainConnection()) {
            queryLong(holder, "select count(*) from (select pg_advisory_lock(" + lockKey + ")) locked");
            CompletableFuture<Object> commit = CompletableFuture.supplyAsync(() -> {
                try {
                    return PG.db().transaction(TransactionOptions.defaults().retry(FAST.listener(attempts::add)), tx ->
                            update(tx.connection(), "insert into " + table + " values (1)"));
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable));
            long pid = await().atMost(Duration.ofSeconds(20)).until(() -> queryLong(holder,
                    "select coalesce(max(pid), 0) from pg_locks where locktype = 'advisory' and objid = " + lockKey
                            + " and not granted"), p -> p > 0);
            queryLong(holder, "select count(*) from (select pg_terminate_backend(" + pid + ")) killed");
            assertThatThrownBy(() -> commit.get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(AmbiguousCommitException.class)
                    .hasMessageContaining("during COMMIT")
                    .hasMessageContaining("TransactionRetryTest")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08007"));
        } finally {
            execute("drop table if exists " + table, "drop function if exists " + table + "_wait()");
        }
        assertThat(attempts).singleElement().satisfies(a -> assertThat(a.retrying()).isFalse());
        assertThat(PG.db().stats().ambiguousCommits()).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(() -> PG.dataSource().stats().destroyed() > destroyedBefore);
    }
}
