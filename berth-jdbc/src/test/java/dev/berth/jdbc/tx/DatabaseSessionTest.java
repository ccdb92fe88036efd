package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static dev.berth.jdbc.tx.TestDatabases.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.scope.Scopes;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sessions, try-with-resources transactions, scopes and the asynchronous twins. */
class DatabaseSessionTest {

    @RegisterExtension
    static final DatabaseFixture PG = DatabaseFixture.of("berth_tx_session", "id int primary key", "tx-session", 3);
    private static final String TABLE = PG.table();

    private static long rows(int id) throws SQLException {
        return queryLong("select count(*) from " + TABLE + " where id = " + id);
    }

    @Test
    void aSessionRunsInAutocommitSoEachStatementCommitsOnItsOwn() throws SQLException {
        assertThatThrownBy(() -> PG.db().session(c -> {
            assertThat(c.getAutoCommit()).isTrue();
            update(c, "insert into " + TABLE + " values (1)");
            throw new IllegalStateException("after the insert");
        })).hasMessage("after the insert");
        assertThat(rows(1)).isEqualTo(1);
    }

    @Test
    void transactionsInsideASessionRunOnItsConnection() throws SQLException {
        long before = PG.dataSource().stats().acquired();
        PG.db().session(c -> {
            long sessionPid = queryLong(c, "select pg_backend_pid()");
            long txPid = PG.db().transaction(tx -> {
                update(tx.connection(), "insert into " + TABLE + " values (2)");
                return queryLong(tx.connection(), "select pg_backend_pid()");
            });
            assertThat(txPid).isEqualTo(sessionPid);
            assertThat(c.getAutoCommit()).isTrue();
            return null;
        });
        assertThat(rows(2)).isEqualTo(1);
        assertThat(PG.dataSource().stats().acquired() - before).isEqualTo(1);
    }

    @Test
    void tryWithResourcesCommitsOnlyWhenTold() throws SQLException {
        try (Transaction tx = PG.db().begin()) {
            update(tx.connection(), "insert into " + TABLE + " values (3)");
            tx.commit();
        }
        try (Transaction tx = PG.db().begin()) {
            update(tx.connection(), "insert into " + TABLE + " values (4)");
        }
        assertThat(rows(3)).isEqualTo(1);
        assertThat(rows(4)).isZero();
        assertThat(PG.dataSource().stats().leased()).isZero();
    }

    @Test
    void aCommittedTransactionCannotCommitTwice() throws SQLException {
        try (Transaction tx = PG.db().begin()) {
            tx.commit();
            assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("already committed");
        }
    }

    @Test
    void asAScopeItCommitsOnSuccessAndRollsBackOnFailure() throws Exception {
        Scopes.run(PG.db().scope(TransactionOptions.defaults()), tx -> update(tx.connection(), "insert into " + TABLE + " values (5)"));
        assertThatThrownBy(() -> Scopes.run(PG.db().scope(TransactionOptions.defaults()), tx -> {
            update(tx.connection(), "insert into " + TABLE + " values (6)");
            throw new IllegalStateException("body failed");
        })).hasMessage("body failed");
        assertThat(rows(5)).isEqualTo(1);
        assertThat(rows(6)).isZero();
    }

    @Test
    void theAsyncTwinRunsOnAVirtualThreadAndCompletesWithTheResult() throws Exception {
        CompletableFuture<Boolean> virtual = PG.db().transactionAsync(tx -> {
            update(tx.connection(), "insert into " + TABLE + " values (7)");
            return Thread.currentThread().isVirtual();
        }).toCompletableFuture();
        assertThat(virtual.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rows(7)).isEqualTo(1);
        assertThat(PG.db().sessionAsync(c -> queryLong(c, "select 41 + 1")).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(42);
    }

    @Test
    void theAsyncTwinCompletesExceptionallyWithTheSameErrorAndRollsBack() {
        CompletableFuture<Object> failed = PG.db().transactionAsync(tx -> {
            update(tx.connection(), "insert into " + TABLE + " values (8)");
            throw new IllegalStateException("async failure");
        }).toCompletableFuture();
        assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("async failure");
        assertThat(rowsUnchecked(8)).isZero();
    }

    @Test
    void cancellingTheAsyncTwinStopsTheStatementOnTheServerAndRollsBack() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CompletableFuture<Long> running = PG.db().transactionAsync(tx -> {
            update(tx.connection(), "insert into " + TABLE + " values (9)");
            inside.countDown();
            return queryLong(tx.connection(), "select count(*) from pg_sleep(60) as cancel_me_9");
        }).toCompletableFuture();
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        running.cancel(true);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> PG.dataSource().stats().leased() == 0);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> queryLong(
                "select count(*) from pg_stat_activity where query like '%cancel_me_9%' and pid <> pg_backend_pid()") == 0);
        assertThat(rows(9)).isZero();
    }

    @Test
    void cancellingWhileTheBodyIsBetweenStatementsStillStopsItsNextStatement() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CompletableFuture<Long> running = PG.db().transactionAsync(tx -> {
            update(tx.connection(), "insert into " + TABLE + " values (10)");
            inside.countDown();
            boolean go = false;
            while (!go) { // work that does not answer interrupts, such as computing: the cancel finds no statement
                try {
                    go = proceed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignoredOnPurpose) {
                    // keep going, as code that swallows interrupts would
                }
            }
            return queryLong(tx.connection(), "select count(*) from pg_sleep(60) as cancel_me_10");
        }).toCompletableFuture();
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        running.cancel(true);
        proceed.countDown(); // only now does the body send its long statement
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> PG.dataSource().stats().leased() == 0);
        assertThat(queryLong("select count(*) from pg_stat_activity where query like '%cancel_me_10%' and pid <> pg_backend_pid()"))
                .isZero();
        assertThat(rows(10)).isZero();
    }

    private static long rowsUnchecked(int id) {
        try {
            return rows(id);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
