package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.core.TransactionState;

/**
 * The connection wrapper over one real pgjdbc connection and a pool-less {@link TestLease}: close, reset,
 * statement tracking and loss detection. Needs PostgreSQL (local or embedded, see {@link TestPostgres}).
 */
class PooledConnectionTest {

    private PhysicalConnection physical;
    private Connection observer;

    @BeforeAll
    static void createTable() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists berth_reset_test (id text primary key)");
            s.execute("create schema if not exists berth_other");
        }
    }

    @BeforeEach
    void open() throws SQLException {
        physical = factory(settings()).create();
        observer = TestPostgres.plainConnection();
    }

    @AfterEach
    void closeAll() throws SQLException {
        physical.close();
        observer.close();
    }

    private static Settings settings() {
        Settings settings = new Settings();
        settings.jdbcUrl(TestPostgres.jdbcUrl());
        settings.username = TestPostgres.user();
        settings.poolName = "wrapper-test";
        return settings;
    }

    private static PgConnectionFactory factory(Settings settings) {
        return new PgConnectionFactory(settings);
    }

    private String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private int backendPid() {
        return physical.connection().getQueryExecutor().getBackendPID();
    }

    private String lastQueryOf(int pid) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement("select query || ' @ ' || query_start from pg_stat_activity where pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "<gone>";
            }
        }
    }

    @Test
    void closeReturnsTheLeaseExactlyOnce() throws SQLException {
        TestLease lease = new TestLease(physical);
        Connection c = new PooledConnection(lease);

        c.close();
        c.close();

        assertThat(lease.closes).hasValue(1);
        assertThat(lease.broken).isFalse();
        assertThat(c.isClosed()).isTrue();
    }

    @Test
    void everyUseAfterCloseFailsWithConnectionIsClosed() throws SQLException {
        Connection c = new PooledConnection(new TestLease(physical));
        c.close();

        assertThatThrownBy(c::createStatement).isInstanceOf(SQLException.class)
                .hasMessageStartingWith("connection is closed")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
        assertThatThrownBy(() -> c.prepareStatement("select 1")).hasMessageStartingWith("connection is closed");
        assertThatThrownBy(c::commit).hasMessageStartingWith("connection is closed");
        assertThatThrownBy(() -> c.setAutoCommit(false)).hasMessageStartingWith("connection is closed");
        assertThatThrownBy(c::getMetaData).hasMessageStartingWith("connection is closed");
        assertThatThrownBy(() -> c.unwrap(PGConnection.class)).hasMessageStartingWith("connection is closed");
        assertThat(c.isValid(1)).isFalse();
    }

    @Test
    void anOpenTransactionIsRolledBackOnReturn() throws SQLException {
        String id = UUID.randomUUID().toString();
        Connection c = new PooledConnection(new TestLease(physical));
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("insert into berth_reset_test values (?)")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }

        c.close();

        assertThat(physical.connection().getTransactionState()).isEqualTo(TransactionState.IDLE);
        try (PreparedStatement ps = observer.prepareStatement("select count(*) from berth_reset_test where id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    @Test
    void aTransactionBegunWithABeginStatementIsRolledBackToo() throws SQLException {
        Connection c = new PooledConnection(new TestLease(physical));
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN");
            s.execute("select 1");
        }
        assertThat(physical.connection().getTransactionState()).isEqualTo(TransactionState.OPEN);

        c.close();

        assertThat(physical.connection().getTransactionState()).isEqualTo(TransactionState.IDLE);
    }

    @Test
    void aFailedTransactionIsRolledBackAndTheConnectionKept() throws SQLException {
        TestLease lease = new TestLease(physical);
        Connection c = new PooledConnection(lease);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("select * from no_such_table_here")).isInstanceOf(SQLException.class);
        }

        c.close();

        assertThat(lease.broken).isFalse();
        assertThat(physical.connection().getTransactionState()).isEqualTo(TransactionState.IDLE);
    }

    @Test
    void sessionSettingsChangedByTheBorrowerAreRestored() throws SQLException {
        String searchPath = show(physical.connection(), "search_path");
        Connection first = new PooledConnection(new TestLease(physical));
        first.setAutoCommit(false);
        first.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        first.setReadOnly(true);
        first.setSchema("berth_other");
        first.close();

        Connection next = new PooledConnection(new TestLease(physical));
        assertThat(next.getAutoCommit()).isTrue();
        assertThat(next.isReadOnly()).isFalse();
        assertThat(show(next, "transaction_isolation")).isEqualTo("read committed");
        assertThat(next.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
        assertThat(show(next, "search_path")).isEqualTo(searchPath);
        next.close();
    }

    @Test
    void anUntouchedConnectionIsReturnedWithoutARoundTrip() throws SQLException {
        try (Statement s = physical.connection().createStatement()) {
            s.execute("select 'last words'"); // before the borrow, on the raw connection
        }
        String before = lastQueryOf(backendPid());
        Connection c = new PooledConnection(new TestLease(physical));

        c.close();

        assertThat(before).startsWith("select 'last words'");
        assertThat(lastQueryOf(backendPid())).isEqualTo(before);
    }

    @Test
    void withTheJdbcResetAConnectionUsedWithoutChangesIsReturnedWithoutARoundTrip() throws SQLException {
        Settings settings = settings();
        settings.sessionReset = SessionReset.JDBC;
        PhysicalConnection jdbcOnly = factory(settings).create();
        try {
            int pid = jdbcOnly.connection().getQueryExecutor().getBackendPID();
            Connection c = new PooledConnection(new TestLease(jdbcOnly));
            try (Statement s = c.createStatement()) {
                s.execute("select 'last words'");
            }
            String before = lastQueryOf(pid);

            c.close();

            assertThat(before).startsWith("select 'last words'");
            assertThat(lastQueryOf(pid)).isEqualTo(before);
        } finally {
            jdbcOnly.close();
        }
    }

    @Test
    void aUsedConnectionIsResetFullyDownToItsOpeningSettings() throws SQLException {
        Connection c = new PooledConnection(new TestLease(physical));
        try (Statement s = c.createStatement()) {
            s.execute("select 'last words'");
        }

        c.close();

        // the batch's last statement releases advisory locks and restores what pgjdbc set when it connected (application_name, by SET)
        assertThat(lastQueryOf(backendPid())).contains("pg_catalog.set_config('application_name', 'wrapper-test', false)");
    }

    @Test
    void aConnectionOnlyUnwrappedIsStillReset() throws SQLException {
        Connection c = new PooledConnection(new TestLease(physical));
        c.unwrap(org.postgresql.PGConnection.class); // the borrower may do anything with the raw connection now
        physical.connection().setAutoCommit(false);
        try (Statement s = physical.connection().createStatement()) {
            s.execute("select 1"); // opens a transaction through the raw connection
        }

        c.close();

        assertThat(physical.connection().getTransactionState()).isEqualTo(org.postgresql.core.TransactionState.IDLE);
    }

    @Test
    void statementsLeftOpenAreClosedOnReturn() throws SQLException {
        PooledConnection c = new PooledConnection(new TestLease(physical));
        Statement plain = c.createStatement();
        PreparedStatement prepared = c.prepareStatement("select 1");
        assertThat(c.openStatementCount()).isEqualTo(2);

        c.close();

        assertThat(plain.isClosed()).isTrue();
        assertThat(prepared.isClosed()).isTrue();
        assertThat(c.openStatementCount()).isZero();
    }

    @Test
    void closedStatementsAreForgotten() throws SQLException {
        PooledConnection c = new PooledConnection(new TestLease(physical));
        try (Statement s = c.createStatement()) {
            s.execute("select 1");
        }

        assertThat(c.openStatementCount()).isZero();
        c.close();
    }

    @Test
    void statementsAnswerWithThePooledConnection() throws SQLException {
        try (Connection c = new PooledConnection(new TestLease(physical)); Statement s = c.createStatement()) {
            assertThat(s.getConnection()).isSameAs(c);
            assertThat(s.unwrap(org.postgresql.PGStatement.class)).isNotNull();
        }
    }

    @Test
    void unwrapReachesThePgConnection() throws SQLException {
        try (Connection c = new PooledConnection(new TestLease(physical))) {
            assertThat(c.isWrapperFor(PGConnection.class)).isTrue();
            assertThat(c.unwrap(PGConnection.class).getBackendPID()).isEqualTo(backendPid());
        }
    }

    @Test
    void abortDestroysInsteadOfReturning() throws SQLException {
        TestLease lease = new TestLease(physical);
        Connection c = new PooledConnection(lease);

        c.abort(Runnable::run);

        assertThat(lease.broken).isTrue();
        assertThat(lease.closes).hasValue(1);
        assertThat(physical.connection().isClosed()).isTrue();
    }

    @Test
    void aTerminatedBackendMarksTheConnectionBroken() throws SQLException {
        TestLease lease = new TestLease(physical);
        Connection c = new PooledConnection(lease);
        try (PreparedStatement kill = observer.prepareStatement("select pg_terminate_backend(?)")) {
            kill.setInt(1, backendPid());
            kill.execute();
        }

        try (Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("select 1")).isInstanceOf(SQLException.class);
        }
        c.close();

        assertThat(lease.broken).isTrue();
        assertThat(lease.closes).hasValue(1);
    }

    @Test
    void aFailedValidityCheckMarksTheConnectionBroken() throws SQLException {
        TestLease lease = new TestLease(physical);
        Connection c = new PooledConnection(lease);
        try (PreparedStatement kill = observer.prepareStatement("select pg_terminate_backend(?)")) {
            kill.setInt(1, backendPid());
            kill.execute();
        }

        assertThat(c.isValid(2)).isFalse();
        c.close();

        assertThat(lease.broken).isTrue();
    }

    @Test
    void ordinarySqlErrorsKeepTheConnection() throws SQLException {
        TestLease lease = new TestLease(physical);
        try (Connection c = new PooledConnection(lease); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("select * from no_such_table_here"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42P01"));
        }

        assertThat(lease.broken).isFalse();
    }

    @Test
    void configuredDefaultsAndInitSqlApplyToNewConnections() throws SQLException {
        Settings settings = settings();
        settings.autoCommit = false;
        settings.readOnly = true;
        settings.transactionIsolation("TRANSACTION_SERIALIZABLE");
        settings.schema = "berth_other";
        settings.connectionInitSql = "SET statement_timeout = '4321ms'";
        PhysicalConnection configured = factory(settings).create();
        try (Connection c = new PooledConnection(new TestLease(configured))) {
            assertThat(c.getAutoCommit()).isFalse();
            assertThat(c.isReadOnly()).isTrue();
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(c.getSchema()).isEqualTo("berth_other");
            assertThat(show(c, "statement_timeout")).isEqualTo("4321ms");
            c.rollback();
        } finally {
            configured.close();
        }
    }

    @Test
    void aFailingInitSqlNamesTheSettingAndHidesThePassword() {
        Settings settings = settings();
        settings.password = "hunter2-berth";
        settings.connectionInitSql = "select hunter2-berth";

        assertThatThrownBy(() -> factory(settings).create())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("connectionInitSql failed")
                .satisfies(e -> assertThat(chainText(e)).doesNotContain("hunter2-berth"));
    }

    static String chainText(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append('\n');
            for (Throwable s : t.getSuppressed()) {
                text.append(s).append('\n');
            }
        }
        return text.toString();
    }
}
