package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The data source with the pool engine on a real PostgreSQL (local or embedded, see {@link TestPostgres}). */
class BerthDataSourceTest {

    private static final String SECRET = "berth-not-a-real-password";

    @BeforeAll
    static void createTable() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists berth_ds_test (id text primary key)");
        }
    }

    private static int serverConnectionsOf(Connection observer, String applicationName) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement("select count(*) from pg_stat_activity where application_name = ?")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void aPlainJdbcIdiomWorks() throws SQLException {
        String id = UUID.randomUUID().toString();
        try (BerthDataSource ds = Sessions.pool("idiom", 2).build()) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("insert into berth_ds_test values (?)")) {
                    ps.setString(1, id);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                c.commit();
            }
            try (Connection c = ds.getConnection();
                 PreparedStatement ps = c.prepareStatement("select count(*) from berth_ds_test where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void twoThousandVirtualThreadsShareTenConnectionsAndTheServerNeverSeesMore() throws Exception {
        int poolSize = 10;
        int callers = 2_000;
        try (BerthDataSource ds = Sessions.pool("crowd", poolSize).build(); Connection observer = TestPostgres.plainConnection()) {
            Set<Integer> backends = ConcurrentHashMap.newKeySet();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger mostSeen = new AtomicInteger();
            Thread sampler = Thread.ofPlatform().start(() -> {
                try {
                    while (running.get()) {
                        mostSeen.accumulateAndGet(serverConnectionsOf(observer, ds.getPoolName()), Math::max);
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Future<Integer>> results = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < callers; i++) {
                    int n = i;
                    results.add(threads.submit(() -> {
                        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("select ? + 1")) {
                            backends.add(Sessions.backendPid(c));
                            ps.setInt(1, n);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                return rs.getInt(1);
                            }
                        }
                    }));
                }
            }
            running.set(false);
            sampler.join();

            for (int i = 0; i < callers; i++) {
                assertThat(results.get(i).get()).isEqualTo(i + 1);
            }
            assertThat(mostSeen.get()).isBetween(1, poolSize);
            assertThat(backends.size()).isBetween(1, poolSize);
            assertThat(serverConnectionsOf(observer, ds.getPoolName())).isLessThanOrEqualTo(poolSize);
            assertThat(ds.stats().acquired()).isGreaterThanOrEqualTo(callers);
        }
    }

    @Test
    void underConcurrencyEveryBorrowerStartsCleanWhateverThePreviousOneLeftBehind() throws Exception {
        String marker = "dirty-" + UUID.randomUUID();
        try (BerthDataSource ds = Sessions.pool("dirty", 5).build()) {
            List<Future<?>> results = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 1_000; i++) {
                    int n = i;
                    results.add(threads.submit(() -> {
                        try (Connection c = ds.getConnection()) {
                            assertThat(c.getAutoCommit()).isTrue();
                            assertThat(c.isReadOnly()).isFalse();
                            try (Statement s = c.createStatement();
                                 ResultSet rs = s.executeQuery("select current_setting('transaction_isolation'), current_schema(),"
                                         + " current_setting('transaction_read_only'), pg_current_xact_id_if_assigned() is null")) {
                                rs.next();
                                assertThat(rs.getString(1)).isEqualTo("read committed");
                                assertThat(rs.getString(2)).isEqualTo("public");
                                assertThat(rs.getString(3)).isEqualTo("off");
                                assertThat(rs.getBoolean(4)).as("no transaction left open").isTrue();
                            }
                            // leave a different mess behind each time
                            switch (n % 4) {
                                case 0 -> {
                                    c.setAutoCommit(false);
                                    PreparedStatement insert = c.prepareStatement("insert into berth_ds_test values (?)");
                                    insert.setString(1, marker + "-" + n);
                                    insert.executeUpdate(); // neither committed nor closed
                                }
                                case 1 -> {
                                    c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                                    c.setReadOnly(true);
                                }
                                case 2 -> c.setSchema("pg_catalog");
                                default -> c.createStatement().executeQuery("select 1"); // open statement and result set
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> result : results) {
                result.get();
            }
        }
        try (Connection c = TestPostgres.plainConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from berth_ds_test where id like ?")) {
            ps.setString(1, marker + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("uncommitted inserts").isZero();
            }
        }
    }

    @Test
    void theNextBorrowerSeesTheConfiguredDefaults() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("reset", 1).build()) {
            int pid;
            try (Connection c = ds.getConnection()) {
                pid = Sessions.backendPid(c);
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                c.setReadOnly(true);
                c.setSchema("pg_catalog");
            }
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                assertThat(Sessions.backendPid(c)).isEqualTo(pid);
                assertThat(c.getAutoCommit()).isTrue();
                assertThat(c.isReadOnly()).isFalse();
                try (ResultSet rs = s.executeQuery("SHOW transaction_isolation")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("read committed");
                }
                assertThat(c.getSchema()).isEqualTo("public");
            }
        }
    }

    @Test
    void anUncommittedInsertIsRolledBackWhenTheConnectionIsReturned() throws SQLException {
        String id = UUID.randomUUID().toString();
        try (BerthDataSource ds = Sessions.pool("rollback", 1).build()) {
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("insert into berth_ds_test values (?)")) {
                c.setAutoCommit(false);
                ps.setString(1, id);
                ps.executeUpdate();
            }
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("select count(*) from berth_ds_test where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
            }
        }
    }

    @Test
    void statementsLeftOpenAreClosedOnReturn() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("statements", 1).build()) {
            Statement forgotten;
            ResultSet forgottenRows;
            try (Connection c = ds.getConnection()) {
                forgotten = c.createStatement();
                forgottenRows = forgotten.executeQuery("select 1");
            }
            assertThat(forgotten.isClosed()).isTrue();
            assertThat(forgottenRows.isClosed()).isTrue();
        }
    }

    @Test
    void aKilledBackendIsEvictedAndReplaced() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("killed", 1).build(); Connection observer = TestPostgres.plainConnection()) {
            int killed;
            try (Connection c = ds.getConnection()) {
                killed = Sessions.backendPid(c);
            }
            long destroyedBefore = ds.stats().destroyed();
            try (PreparedStatement kill = observer.prepareStatement("select pg_terminate_backend(?)")) {
                kill.setInt(1, killed);
                kill.execute();
            }

            // the pool may hand out the dead connection once (it validates only after validateAfterIdle);
            // using it fails, and returning it destroys it
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("select 1");
            } catch (SQLException expectedOnce) {
                assertThat(ConnectionLoss.isLoss(expectedOnce)).isTrue();
            }
            try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 7")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(7);
                assertThat(Sessions.backendPid(c)).isNotEqualTo(killed);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ds.stats().destroyed() > destroyedBefore);
        }
    }

    @Test
    void anExhaustedPoolTimesOutWithATransientErrorNamingThePool() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("exhausted", 1).connectionTimeout(300).build()) {
            ds.start();
            // the short timeout is for the second borrow; the first must not race the connection's creation
            await().atMost(Duration.ofSeconds(10)).until(() -> ds.stats().idle() == 1);
            Connection held = ds.getConnection();
            assertThat(held.isValid(1)).isTrue();

            assertThatThrownBy(ds::getConnection)
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining(ds.getPoolName())
                    .hasMessageContaining("connectionTimeout=300 ms");
            held.close();
        }
    }

    @Test
    void anAbortedConnectionIsDestroyedAndReplaced() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("aborted", 1).build()) {
            int aborted;
            try (Connection c = ds.getConnection()) {
                aborted = Sessions.backendPid(c);
                c.abort(Runnable::run);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ds.stats().destroyed() >= 1);
            try (Connection c = ds.getConnection()) {
                assertThat(Sessions.backendPid(c)).isNotEqualTo(aborted);
                assertThat(c.isValid(1)).isTrue();
            }
        }
    }

    @Test
    void inconsistentSettingsFailTheFirstGetConnectionNamingTheSetting() {
        BerthDataSource ds = BerthDataSource.fromUrl(TestPostgres.jdbcUrl());
        ds.setMaximumPoolSize(2);
        ds.setMinimumIdle(5);

        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("minimumIdle (5) is greater than maximumPoolSize (2)");
        ds.close();
    }

    @Test
    void aWrongDatabaseFailsWithTheServersReasonAndNoPassword() {
        String url = TestPostgres.jdbcUrl().replaceFirst("/[^/?]+$", "/berth_no_such_db") + "?password=" + SECRET;
        try (BerthDataSource ds = BerthDataSource.builder().jdbcUrl(url).username(TestPostgres.user())
                .password(SECRET).maximumPoolSize(1).connectionTimeout(10_000).build()) {

            assertThatThrownBy(ds::getConnection)
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("berth_no_such_db")
                    .satisfies(e -> assertThat(PooledConnectionTest.chainText(e)).doesNotContain(SECRET));
            assertThat(ds.toString()).doesNotContain(SECRET);
        }
    }

    @Test
    void anUnreachableServerFailsWithinTheTimeoutAndNoPassword() {
        try (BerthDataSource ds = BerthDataSource.builder()
                .jdbcUrl("postgres://postgres:" + SECRET + "@127.0.0.1:1/test")
                .maximumPoolSize(1).connectionTimeout(10_000).build()) {

            assertThatThrownBy(ds::getConnection)
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining(ds.getPoolName())
                    .satisfies(e -> assertThat(PooledConnectionTest.chainText(e)).doesNotContain(SECRET));
            assertThat(ds.toString()).doesNotContain(SECRET);
        }
    }

    @Test
    void getConnectionAfterCloseFailsClearly() throws SQLException {
        BerthDataSource ds = Sessions.pool("closed", 1).build();
        ds.getConnection().close();
        ds.close();

        assertThat(ds.isClosed()).isTrue();
        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void theConfiguredCredentialsMayBeRepeated() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("credentials", 1).build(); Connection c = ds.getConnection(TestPostgres.user(), null)) {
            assertThat(c.isValid(1)).isTrue();
        }
    }

    @Test
    void statsCountBorrowsAndConnections() throws SQLException {
        try (BerthDataSource ds = Sessions.pool("stats", 2).minimumIdle(0).build()) {
            for (int i = 0; i < 3; i++) {
                ds.getConnection().close();
            }

            assertThat(ds.stats().acquired()).isEqualTo(3);
            assertThat(ds.stats().created()).isBetween(1L, 2L);
            assertThat(ds.stats().maxSize()).isEqualTo(2);
        }
    }

    @Test
    void evictReplacesEveryConnectionWithANewServerSessionAndLeavesBorrowedOnesToTheirBorrower() throws Exception {
        try (BerthDataSource ds = Sessions.pool("evict", 2).build()) {
            int idlePid;
            try (Connection c = ds.getConnection()) {
                idlePid = Sessions.backendPid(c);
            }
            Connection borrowed = ds.getConnection();
            int borrowedPid = Sessions.backendPid(borrowed);

            ds.evict();

            try (Statement s = borrowed.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
                assertThat(rs.next()).as("a borrowed connection keeps working until it is closed").isTrue();
            }
            borrowed.close();
            try (Connection c = ds.getConnection(); Connection observer = TestPostgres.plainConnection()) {
                assertThat(Sessions.backendPid(c)).isNotIn(idlePid, borrowedPid);
                await().atMost(Duration.ofSeconds(5)).until(() -> !serverHasBackend(observer, idlePid)
                        && !serverHasBackend(observer, borrowedPid));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> ds.stats().destroyed() == 2);
        }
    }

    @Test
    void softEvictConnectionsIsHikariCpsNameForEvict() throws Exception {
        try (BerthDataSource ds = Sessions.pool("soft-evict", 1).build()) {
            int before;
            try (Connection c = ds.getConnection()) {
                before = Sessions.backendPid(c);
            }
            ds.softEvictConnections();
            try (Connection c = ds.getConnection()) {
                assertThat(Sessions.backendPid(c)).isNotEqualTo(before);
            }
        }
    }

    private static boolean serverHasBackend(Connection observer, int pid) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }
}
