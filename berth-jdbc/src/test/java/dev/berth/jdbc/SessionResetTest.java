package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The full session reset ({@link SessionReset#FULL}, the default): for each kind of state raw SQL can leave in a
 * PostgreSQL session, one borrower leaves it behind and the next borrower of the same session (a pool of one, the
 * backend pid checked) does not see it; pgjdbc's own prepared statements keep working; what the connection was
 * opened with survives; {@link SessionReset#JDBC} keeps HikariCP's behaviour. Needs PostgreSQL as a superuser (the
 * local one or the embedded one, see {@link TestPostgres}).
 */
class SessionResetTest {

    private static final String ROLE = "berth_reset_" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void createRole() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + ROLE + " NOLOGIN");
            s.execute("GRANT USAGE ON SCHEMA public TO " + ROLE);
            s.execute("create schema if not exists berth_other");
        }
    }

    @AfterAll
    static void dropRole() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("REVOKE USAGE ON SCHEMA public FROM " + ROLE);
            s.execute("DROP ROLE " + ROLE);
        }
    }

    /** A pool of one: the next borrower always gets the same session. */
    private static BerthDataSource poolOfOne(SessionReset mode) {
        return Sessions.pool("session-reset", 1).sessionReset(mode).build();
    }

    /** Runs {@code leave} on the session, returns it, borrows it again and hands that borrow to the caller. */
    private static Connection nextBorrowerAfter(BerthDataSource db, SqlWork leave) throws SQLException {
        int pid;
        try (Connection first = db.getConnection()) {
            pid = Sessions.backendPid(first);
            leave.run(first);
        }
        Connection next = db.getConnection();
        assertThat(Sessions.backendPid(next)).as("the same session").isEqualTo(pid);
        return next;
    }

    interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from " + sql).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void aSettingMadeWithSetOrSetConfigDoesNotReachTheNextBorrower() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL); Connection plain = TestPostgres.plainConnection()) {
            String workMem = query(plain, "SHOW work_mem");
            String searchPath = query(plain, "SHOW search_path");
            try (Connection next = nextBorrowerAfter(db, c -> {
                exec(c, "SET work_mem = '77MB'");
                exec(c, "SELECT set_config('berth.tenant', '42', false)");
                exec(c, "SET search_path TO berth_other");
            })) {
                assertThat(query(next, "SHOW work_mem")).isEqualTo(workMem);
                assertThat(query(next, "SELECT coalesce(current_setting('berth.tenant', true), '')")).isEmpty();
                assertThat(query(next, "SHOW search_path")).isEqualTo(searchPath);
            }
        }
    }

    @Test
    void setRoleDoesNotReachTheNextBorrower() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> {
                 exec(c, "SET ROLE " + ROLE);
                 assertThat(query(c, "SELECT current_user")).isEqualTo(ROLE);
             })) {
            assertThat(query(next, "SELECT current_user")).isEqualTo(TestPostgres.user());
            assertThat(query(next, "SHOW role")).isEqualTo("none");
        }
    }

    @Test
    void setSessionAuthorizationDoesNotReachTheNextBorrower() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> {
                 exec(c, "SET SESSION AUTHORIZATION " + ROLE);
                 assertThat(query(c, "SELECT session_user")).isEqualTo(ROLE);
             })) {
            assertThat(query(next, "SELECT session_user || ' ' || current_user"))
                    .isEqualTo(TestPostgres.user() + " " + TestPostgres.user());
        }
    }

    @Test
    void aSessionAdvisoryLockIsReleasedForTheNextBorrower() throws SQLException {
        long key = 7_000_000_000L + (System.nanoTime() & 0xffff);
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> query(c, "SELECT pg_advisory_lock(" + key + ")"));
             Connection observer = TestPostgres.plainConnection()) {
            assertThat(query(next, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"))
                    .isEqualTo("0");
            assertThat(query(observer, "SELECT pg_try_advisory_lock(" + key + ")")).isEqualTo("t");
        }
    }

    @Test
    void aTemporaryTableIsDroppedForTheNextBorrower() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> exec(c, "CREATE TEMP TABLE berth_left_behind (secret text)"))) {
            assertThat(query(next, "SELECT to_regclass('pg_temp.berth_left_behind') IS NULL")).isEqualTo("t");
        }
    }

    @Test
    void listenEndsAndReceivedNotificationsAreDropped() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> {
                 exec(c, "LISTEN berth_reset_channel");
                 exec(c, "NOTIFY berth_reset_channel, 'for the first borrower only'"); // delivered to itself at commit
             })) {
            assertThat(query(next, "SELECT count(*) FROM pg_listening_channels()")).isEqualTo("0");
            assertThat(next.unwrap(PGConnection.class).getNotifications()).isEmpty();
        }
    }

    @Test
    void aStatementPreparedByHandIsDeallocated() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> exec(c, "PREPARE berth_by_hand AS SELECT 'theirs'"))) {
            assertThat(query(next, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql")).isEqualTo("0");
            exec(next, "PREPARE berth_by_hand AS SELECT 'mine'"); // the name is free again
            assertThat(query(next, "EXECUTE berth_by_hand")).isEqualTo("mine");
        }
    }

    @Test
    void aCursorWithHoldIsClosed() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.FULL);
             Connection next = nextBorrowerAfter(db, c -> exec(c, "DECLARE berth_held CURSOR WITH HOLD FOR SELECT 1"))) {
            // pg_cursors also lists the unnamed portal of this very query (extended protocol)
            assertThat(query(next, "SELECT count(*) FROM pg_cursors WHERE name = 'berth_held'")).isEqualTo("0");
        }
    }

    @Test
    void aTransactionLeftOpenWithBeginIsRolledBackWithItsSetLocal() throws SQLException {
        String table = "berth_reset_tx_" + UUID.randomUUID().toString().substring(0, 8);
        try (BerthDataSource db = poolOfOne(SessionReset.FULL)) {
            try (Connection c = db.getConnection()) {
                exec(c, "CREATE TABLE " + table + " (id int)");
            }
            try (Connection next = nextBorrowerAfter(db, c -> {
                exec(c, "BEGIN");
                exec(c, "INSERT INTO " + table + " VALUES (1)");
                exec(c, "SET LOCAL work_mem = '77MB'");
            })) {
                assertThat(query(next, "SELECT count(*) FROM " + table)).isEqualTo("0");
                assertThat(query(next, "SELECT current_setting('work_mem') <> '77MB'")).isEqualTo("t");
                exec(next, "DROP TABLE " + table);
            }
        }
    }

    @Test
    void pgjdbcsServerPreparedStatementsSurviveTheReset() throws SQLException {
        String sql = "SELECT ?::int + 1";
        try (BerthDataSource db = poolOfOne(SessionReset.FULL)) {
            String serverName;
            try (Connection first = db.getConnection()) {
                runRepeatedly(first, sql);
                serverName = serverStatementFor(first, sql);
                assertThat(serverName).as("pgjdbc prepared it on the server").startsWith("S_");
            }
            try (Connection next = db.getConnection()) {
                assertThat(serverStatementFor(next, sql)).as("still prepared, not parsed again").isEqualTo(serverName);
                runRepeatedly(next, sql);
            }
        }
    }

    @Test
    void pgjdbcPreparesAgainAfterABorrowerMadeTheResetDeallocateEverything() throws SQLException {
        String sql = "SELECT ?::int + 2";
        try (BerthDataSource db = poolOfOne(SessionReset.FULL)) {
            try (Connection first = db.getConnection()) {
                runRepeatedly(first, sql);
                exec(first, "PREPARE berth_mine AS SELECT 1"); // makes the reset add DEALLOCATE ALL
            }
            try (Connection next = db.getConnection()) {
                assertThat(query(next, "SELECT count(*) FROM pg_prepared_statements")).isEqualTo("0");
                runRepeatedly(next, sql); // no "prepared statement S_1 does not exist": pgjdbc saw DEALLOCATE ALL
                assertThat(serverStatementFor(next, sql)).startsWith("S_");
            }
        }
    }

    /** Runs a statement past pgjdbc's prepareThreshold (5), checking its answer each time. */
    private static void runRepeatedly(Connection c, String sql) throws SQLException {
        for (int i = 0; i < 8; i++) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isGreaterThan(i);
                }
            }
        }
    }

    private static String serverStatementFor(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT coalesce(max(name), '<none>') FROM pg_prepared_statements WHERE NOT from_sql AND statement = ?")) {
            ps.setString(1, sql.replace("?", "$1"));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void whatTheConnectionWasOpenedWithSurvivesTheReset() throws SQLException {
        try (BerthDataSource db = Sessions.pool("session-reset-init", 1)
                .schema("berth_other")
                .transactionIsolation("TRANSACTION_SERIALIZABLE")
                .connectionInitSql("SET statement_timeout = '4321ms'; SELECT set_config('berth.app', 'from init', false)")
                .dataSourceProperty("options", "-c lock_timeout=1234")
                .build();
             Connection next = nextBorrowerAfter(db, c -> {
                 exec(c, "SET statement_timeout = 0");
                 exec(c, "SELECT set_config('berth.app', 'changed', false)");
                 exec(c, "SET lock_timeout = 0");
                 exec(c, "SET search_path TO public");
                 exec(c, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
                 exec(c, "SET ROLE " + ROLE);
             })) {
            assertThat(query(next, "SHOW statement_timeout")).isEqualTo("4321ms");
            assertThat(query(next, "SELECT current_setting('berth.app')")).isEqualTo("from init");
            assertThat(query(next, "SHOW lock_timeout")).as("a startup option").isEqualTo("1234ms");
            assertThat(next.getSchema()).isEqualTo("berth_other");
            assertThat(query(next, "SHOW default_transaction_isolation")).isEqualTo("serializable");
            assertThat(next.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(query(next, "SELECT current_user")).isEqualTo(TestPostgres.user());
        }
    }

    @Test
    void withAutocommitOffTheResetLeavesNoTransactionOpen() throws SQLException {
        try (BerthDataSource db = Sessions.pool("session-reset-manual", 1).autoCommit(false).build()) {
            try (Connection first = db.getConnection()) {
                exec(first, "SET work_mem = '77MB'");
                first.commit();
            }
            try (Connection next = db.getConnection()) {
                BaseConnection raw = next.unwrap(BaseConnection.class); // reaches pgjdbc, sends nothing
                assertThat(raw.getTransactionState()).as("no BEGIN before the reset batch").isEqualTo(TransactionState.IDLE);
                assertThat(query(next, "SELECT current_setting('work_mem') <> '77MB'")).isEqualTo("t");
                next.rollback();
            }
        }
    }

    @Test
    void theJdbcResetKeepsHikariCpsBehaviourAndLetsRawStateThrough() throws SQLException {
        try (BerthDataSource db = poolOfOne(SessionReset.JDBC)) {
            assertThat(db.getSessionReset()).isEqualTo(SessionReset.JDBC);
            try (Connection next = nextBorrowerAfter(db, c -> {
                exec(c, "SET work_mem = '77MB'");
                exec(c, "SET ROLE " + ROLE);
                exec(c, "CREATE TEMP TABLE berth_kept (id int)");
            })) {
                // documented: raw SQL state reaches the next borrower in this mode
                assertThat(query(next, "SHOW work_mem")).isEqualTo("77MB");
                assertThat(query(next, "SELECT current_user")).isEqualTo(ROLE);
                assertThat(query(next, "SELECT to_regclass('pg_temp.berth_kept') IS NOT NULL")).isEqualTo("t");
                exec(next, "DISCARD ALL");
            }
        }
    }

    @Test
    void theDefaultIsTheFullReset() {
        try (BerthDataSource db = Sessions.pool("session-reset-default", 1).build()) {
            assertThat(db.getSessionReset()).isEqualTo(SessionReset.FULL);
        }
    }

    @Test
    void sqlMentioningPrepareIsRecognisedAsAWord() {
        assertThat(SessionSql.mentionsPrepare("PREPARE x AS SELECT 1")).isTrue();
        assertThat(SessionSql.mentionsPrepare("do $$ begin execute 'prepare x as select 1'; end $$")).isTrue();
        assertThat(SessionSql.mentionsPrepare("select 1;prepare")).isTrue();
        assertThat(SessionSql.mentionsPrepare("select prepared_at, unprepare from t")).isFalse();
        assertThat(SessionSql.mentionsPrepare("select 1")).isFalse();
    }
}
