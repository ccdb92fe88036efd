package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.jdbc.FatalErrorRule.Context;
import dev.berth.jdbc.FatalErrorRule.Verdict;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the fatal-error verdicts do to a real pool: connections destroyed or kept, and one pool-wide action per
 * incident. Needs PostgreSQL (local or embedded, see {@link TestPostgres}); the shared server's configuration is
 * never changed, and only backends of the test's own pool (found by {@code application_name}) are terminated.
 */
class FatalErrorPoolTest {

    private static final String TABLE = "berth_fatal_" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void createTable() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("create table " + TABLE + " (id text primary key)");
        }
    }

    @AfterAll
    static void dropTable() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("drop table if exists " + TABLE);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Terminates every backend of the pool, from the side, and returns when they are gone. */
    private static int terminateBackendsOf(String poolName) throws SQLException {
        try (Connection observer = TestPostgres.plainConnection();
             PreparedStatement kill = observer.prepareStatement(
                     "select count(*) filter (where pg_terminate_backend(pid, 10000)) from pg_stat_activity"
                             + " where application_name = ? and pid <> pg_backend_pid()")) {
            kill.setString(1, poolName);
            try (ResultSet rs = kill.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void backendsTerminatedUnderEveryBorrowerMakeThePoolRevalidateOnce() throws Exception {
        int size = 20;
        try (BerthDataSource ds = Sessions.pool("storm", size).build()) {
            CountDownLatch borrowed = new CountDownLatch(size);
            CountDownLatch killed = new CountDownLatch(1);
            AtomicInteger failures = new AtomicInteger();
            Set<Integer> oldPids = ConcurrentHashMap.newKeySet();
            List<Thread> borrowers = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                borrowers.add(Thread.ofVirtual().start(() -> {
                    try (Connection c = ds.getConnection()) {
                        oldPids.add(Sessions.backendPid(c));
                        borrowed.countDown();
                        killed.await();
                        for (int attempt = 0; attempt < 2; attempt++) { // the second use finds the connection closed
                            try {
                                execute(c, "select 1");
                            } catch (SQLException e) {
                                failures.incrementAndGet();
                            }
                        }
                    } catch (SQLException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            assertThat(borrowed.await(20, TimeUnit.SECONDS)).as("every borrower holds a connection").isTrue();

            assertThat(terminateBackendsOf(ds.getPoolName())).isEqualTo(size);
            killed.countDown();
            for (Thread borrower : borrowers) {
                borrower.join();
            }

            assertThat(failures).hasValue(2 * size);
            assertThat(ds.fatalErrors().revalidations()).as("one revalidation for the whole incident").isEqualTo(1);
            assertThat(ds.fatalErrors().evictions()).isZero();
            try (Connection c = ds.getConnection()) {
                execute(c, "select 1");
                assertThat(Sessions.backendPid(c)).isNotIn(oldPids);
            }
            // a connection the refill is making counts as leased until it is idle: nothing leaked means it settles
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(ds.stats().leased()).isZero();
                assertThat(ds.stats().waiting()).isZero();
            });
        }
    }

    @Test
    void aWriteRefusedByTheBorrowersReadOnlyTransactionKeepsTheConnectionAndThePool() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("read-only-tx", 1).build()) {
            int pid;
            try (Connection c = ds.getConnection()) {
                pid = Sessions.backendPid(c);
                c.setAutoCommit(false);
                execute(c, "set transaction read only");
                assertThatThrownBy(() -> execute(c, "insert into " + TABLE + " values ('refused')"))
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
                c.rollback();
            }

            try (Connection c = ds.getConnection()) {
                assertThat(Sessions.backendPid(c)).as("the same connection, kept").isEqualTo(pid);
            }
            assertThat(ds.fatalErrors().evictions()).isZero();
            assertThat(ds.fatalErrors().revalidations()).isZero();
        }
    }

    @Test
    void aWriteRefusedByAServerThatWasReadOnlyWhenTheConnectionOpenedKeepsTheConnectionAndThePool() throws SQLException {
        // a pool on a replica that is not configured readOnly (as Database's replica pools are not); the session option
        // makes the shared server read-only for these connections only, as a hot standby is for all of them
        try (BerthDataSource ds = Sessions.pool("replica-like", 1).dataSourceProperty("options", "-c default_transaction_read_only=on").build()) {
            int pid;
            try (Connection c = ds.getConnection()) {
                pid = Sessions.backendPid(c);
                assertThatThrownBy(() -> execute(c, "insert into " + TABLE + " values ('refused')"))
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
            }

            try (Connection c = ds.getConnection()) {
                assertThat(Sessions.backendPid(c)).as("the same connection, kept").isEqualTo(pid);
            }
            assertThat(ds.fatalErrors().evictions()).isZero();
        }
    }

    @Test
    void aWriteRefusedWhileTheServerReportsItselfReadOnlyRetiresEveryConnection() throws SQLException {
        // The session-level SET stands in for ALTER SYSTEM on a primary being demoted: the shared server's configuration
        // must not change. The server reports default_transaction_read_only either way; FailoverTest does it for real.
        try (BerthDataSource ds = Sessions.pool("demoted", 2).build()) {
            Connection other = ds.getConnection();
            int otherPid = Sessions.backendPid(other);
            int pid;
            try (Connection c = ds.getConnection()) {
                pid = Sessions.backendPid(c);
                execute(c, "set default_transaction_read_only = on");
                assertThatThrownBy(() -> execute(c, "insert into " + TABLE + " values ('refused')"))
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
            }
            other.close(); // borrowed during the eviction: retired now that it comes back

            assertThat(ds.fatalErrors().evictions()).isEqualTo(1);
            assertThat(ds.fatalErrors().revalidations()).isZero();
            try (Connection a = ds.getConnection(); Connection b = ds.getConnection()) {
                assertThat(List.of(Sessions.backendPid(a), Sessions.backendPid(b))).doesNotContain(pid, otherPid);
            }
        }
    }

    @Test
    void aCachedPlanWhoseResultTypeChangedCondemnsOnlyThatConnection() throws SQLException {
        String table = TABLE + "_plan";
        try (Connection admin = TestPostgres.plainConnection();
             BerthDataSource ds = Sessions.pool("cached-plan", 2).dataSourceProperty("prepareThreshold", 1).build()) {
            execute(admin, "create table " + table + " (a int)");
            try {
                Connection other = ds.getConnection();
                int otherPid = Sessions.backendPid(other);
                int pid;
                try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("select * from " + table)) {
                    pid = Sessions.backendPid(c);
                    c.setAutoCommit(false);
                    for (int i = 0; i < 3; i++) {
                        ps.executeQuery().close(); // prepared on the server, its result type fixed
                    }
                    c.commit();
                    execute(admin, "alter table " + table + " add column b int");
                    // in a transaction pgjdbc cannot re-prepare and retry by itself, so the error reaches the borrower
                    assertThatThrownBy(ps::executeQuery).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"))
                            .hasMessageContaining("cached plan must not change result type");
                    c.rollback();
                }
                other.close();

                try (Connection a = ds.getConnection(); Connection b = ds.getConnection()) {
                    List<Integer> pids = List.of(Sessions.backendPid(a), Sessions.backendPid(b));
                    assertThat(pids).as("the failed connection was replaced").doesNotContain(pid);
                    assertThat(pids).as("the other one was kept").contains(otherPid);
                }
                assertThat(ds.fatalErrors().evictions()).isZero();
                assertThat(ds.fatalErrors().revalidations()).isZero();
            } finally {
                execute(admin, "drop table " + table);
            }
        }
    }

    /** A custom rule, loaded by class name: a duplicate key ends the connection (and nothing else does more than usual). */
    public static final class DuplicateKeysEndTheConnection implements FatalErrorRule {
        @Override
        public Verdict judge(SQLException failure, Context context) {
            return "23505".equals(failure.getSQLState()) ? Verdict.CONNECTION : FatalErrorRule.standard().judge(failure, context);
        }
    }

    @Test
    void aCustomRuleNamedInThePropertiesDecides() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("jdbcUrl", TestPostgres.jdbcUrl());
        properties.setProperty("username", TestPostgres.user());
        properties.setProperty("poolName", "custom-rule-" + UUID.randomUUID().toString().substring(0, 8));
        properties.setProperty("maximumPoolSize", "1");
        properties.setProperty("fatalErrorRuleClassName", DuplicateKeysEndTheConnection.class.getName());
        String id = UUID.randomUUID().toString();
        try (BerthDataSource ds = new BerthDataSource(properties)) {
            assertThat(ds.getFatalErrorRule()).isInstanceOf(DuplicateKeysEndTheConnection.class);
            int pid;
            try (Connection c = ds.getConnection()) {
                pid = Sessions.backendPid(c);
                execute(c, "insert into " + TABLE + " values ('" + id + "')");
                assertThatThrownBy(() -> execute(c, "insert into " + TABLE + " values ('" + id + "')"))
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
            }

            try (Connection c = ds.getConnection()) {
                assertThat(Sessions.backendPid(c)).as("the rule ended the connection").isNotEqualTo(pid);
                pid = Sessions.backendPid(c);
                assertThatThrownBy(() -> execute(c, "select * from no_such_table_here"))
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42P01"));
            }
            try (Connection c = ds.getConnection()) {
                assertThat(Sessions.backendPid(c)).as("other errors are still not fatal").isEqualTo(pid);
            }
        }
    }
}
