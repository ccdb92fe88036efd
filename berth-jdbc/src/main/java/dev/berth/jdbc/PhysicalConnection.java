package dev.berth.jdbc;

import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.BaseStatement;
import org.postgresql.core.QueryExecutor;
import org.postgresql.core.TransactionState;

/**
 * One pooled pgjdbc connection and what berth knows about its session state. The defaults are the
 * configured (or, where nothing was configured, the server's initial) values; the current values follow
 * the borrower's setters. {@link #reset} restores what differs and, in {@link SessionReset#FULL}, whatever raw
 * SQL may have changed, in one round trip ({@link SessionSql}). The caller skips it for a connection the borrower
 * never touched.
 *
 * <p>Used by one borrower at a time (the pool's promise); not thread-safe.
 */
final class PhysicalConnection {

    private final BaseConnection connection;

    private final boolean defaultAutoCommit;
    private final boolean defaultReadOnly;
    private final int defaultIsolation;
    private final String defaultSearchPath;
    private final String defaultCatalog;
    private final int defaultNetworkTimeout;
    /** When the connection was ready ({@link System#nanoTime()}): tells failures of an incident from later news. */
    private final long createdNanos;
    private final FatalErrorRule.ServerMode serverModeWhenOpened;
    /** The full reset and the restore of this connection's opening state, as one batch; {@code null} in JDBC mode. */
    private final String fullReset;

    private boolean autoCommit;
    private boolean readOnly;
    private int isolation;
    private boolean schemaDirty;
    private boolean catalogDirty;
    private boolean networkTimeoutDirty;

    /** A connection reset as HikariCP does (tests of the JDBC-only path). */
    PhysicalConnection(BaseConnection connection, boolean autoCommit) throws SQLException {
        this(connection, autoCommit, SessionReset.JDBC, null);
    }

    /**
     * Takes the connection's current settings as its defaults (for the full reset: every setting this session
     * made, after configuration and {@code connectionInitSql}), then switches to the configured autocommit
     * mode (last, so that reading the defaults opens no transaction).
     *
     * @param initSql the data source's {@code connectionInitSql}, run again by the full reset; may be {@code null}
     */
    PhysicalConnection(BaseConnection connection, boolean autoCommit, SessionReset mode, String initSql) throws SQLException {
        this.connection = connection;
        this.defaultReadOnly = connection.isReadOnly();
        this.defaultIsolation = connection.getTransactionIsolation();
        SessionSql.Opening opening = SessionSql.opening(connection);
        this.defaultSearchPath = opening.searchPath();
        this.fullReset = mode == SessionReset.FULL
                ? SessionSql.fullReset(opening.sessionSettings(), initSql, connection.getStandardConformingStrings()) : null;
        this.defaultCatalog = connection.getCatalog();
        this.defaultNetworkTimeout = connection.getNetworkTimeout();
        connection.setAutoCommit(autoCommit);
        this.defaultAutoCommit = autoCommit;
        this.autoCommit = autoCommit;
        this.readOnly = defaultReadOnly;
        this.isolation = defaultIsolation;
        this.createdNanos = System.nanoTime();
        this.serverModeWhenOpened = serverMode();
    }

    /** @return whether returns reset everything, also what raw SQL changed ({@link SessionReset#FULL}) */
    boolean resetsFully() {
        return fullReset != null;
    }

    /** @return the pgjdbc connection */
    BaseConnection connection() {
        return connection;
    }

    /** @return when the connection was ready, in {@link System#nanoTime()} */
    long createdNanos() {
        return createdNanos;
    }

    /** @return what the server said about its role when this connection was opened */
    FatalErrorRule.ServerMode serverModeWhenOpened() {
        return serverModeWhenOpened;
    }

    /** @return whether the connection is read-only now (the configured default or the borrower's choice) */
    boolean readOnly() {
        return readOnly;
    }

    /**
     * What the server last reported about its role to this session: PostgreSQL 14 and later send
     * {@code in_hot_standby} and {@code default_transaction_read_only} when they change (also after a configuration
     * reload), before the answer to the statement that noticed, so a refused write already sees the new values.
     */
    FatalErrorRule.ServerMode serverMode() {
        String hotStandby = connection.getParameterStatus("in_hot_standby");
        String readOnlyDefault = connection.getParameterStatus("default_transaction_read_only");
        if (hotStandby == null && readOnlyDefault == null) {
            return FatalErrorRule.ServerMode.UNKNOWN;
        }
        return "on".equalsIgnoreCase(hotStandby) || "on".equalsIgnoreCase(readOnlyDefault)
                ? FatalErrorRule.ServerMode.READ_ONLY : FatalErrorRule.ServerMode.READ_WRITE;
    }

    void setAutoCommit(boolean value) throws SQLException {
        connection.setAutoCommit(value);
        autoCommit = value;
    }

    void setReadOnly(boolean value) throws SQLException {
        connection.setReadOnly(value);
        readOnly = value;
    }

    void setTransactionIsolation(int level) throws SQLException {
        connection.setTransactionIsolation(level);
        isolation = level;
    }

    void setSchema(String schema) throws SQLException {
        connection.setSchema(schema);
        schemaDirty = true;
    }

    void setCatalog(String catalog) throws SQLException {
        connection.setCatalog(catalog);
        catalogDirty = true;
    }

    void setNetworkTimeout(int millis) throws SQLException {
        connection.setNetworkTimeout(Runnable::run, millis);
        networkTimeoutDirty = true;
    }

    /**
     * Brings the session back to the defaults: rolls back an open or failed transaction, then (in the full mode)
     * resets the whole session and restores its opening state in one round trip, then restores whatever the
     * borrower changed through JDBC that is still different, and clears warnings.
     *
     * @param deallocate drop every prepared statement as well (the borrower may have made some by hand); pgjdbc
     *     notices {@code DEALLOCATE ALL} and prepares its own statements again when next used
     * @throws SQLException when the connection cannot be cleaned; the caller destroys it then
     */
    void reset(boolean deallocate) throws SQLException {
        if (connection.getTransactionState() != TransactionState.IDLE) {
            if (autoCommit) {
                // a transaction begun with an explicit BEGIN statement; pgjdbc refuses rollback() in autocommit
                try (Statement statement = connection.createStatement()) {
                    statement.execute("ROLLBACK");
                }
            } else {
                connection.rollback();
            }
        }
        if (fullReset != null) {
            try (Statement statement = connection.createStatement()) {
                // no BEGIN even when autocommit is off: the batch runs as one implicit transaction and leaves none open
                ((BaseStatement) statement).executeWithFlags(deallocate ? SessionSql.DEALLOCATE_ALL + fullReset : fullReset,
                        QueryExecutor.QUERY_SUPPRESS_BEGIN);
            }
            connection.getQueryExecutor().getNotifications(); // received before UNLISTEN: not for the next borrower
            // the batch brought isolation and search_path back with every other setting
            isolation = defaultIsolation;
            schemaDirty = false;
        }
        if (autoCommit != defaultAutoCommit) {
            setAutoCommit(defaultAutoCommit);
        }
        if (readOnly != defaultReadOnly) {
            setReadOnly(defaultReadOnly);
        }
        if (isolation != defaultIsolation) {
            setTransactionIsolation(defaultIsolation);
        }
        if (schemaDirty) {
            // the whole search_path, not just its first schema: setSchema would drop "$user" and the rest
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET SESSION search_path TO " + defaultSearchPath);
            }
            schemaDirty = false;
        }
        if (catalogDirty) {
            connection.setCatalog(defaultCatalog);
            catalogDirty = false;
        }
        if (networkTimeoutDirty) {
            connection.setNetworkTimeout(Runnable::run, defaultNetworkTimeout);
            networkTimeoutDirty = false;
        }
        connection.clearWarnings();
    }

    /** Closes the connection (pgjdbc sends a goodbye and closes the socket; a dead socket is just closed). */
    void close() throws SQLException {
        if (connection.isClosed()) {
            return;
        }
        connection.close();
    }

    @Override
    public String toString() {
        return "PhysicalConnection{backendPid=" + connection.getQueryExecutor().getBackendPID() + '}';
    }
}
