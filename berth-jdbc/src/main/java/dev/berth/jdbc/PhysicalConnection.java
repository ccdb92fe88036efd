package dev.berth.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * One pooled pgjdbc connection and what berth knows about its session state. The defaults are the
 * configured (or, where nothing was configured, the server's initial) values; the current values follow
 * the borrower's setters. {@link #reset()} restores only what differs, so returning an untouched
 * connection costs no round trip.
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

    private boolean autoCommit;
    private boolean readOnly;
    private int isolation;
    private boolean schemaDirty;
    private boolean catalogDirty;
    private boolean networkTimeoutDirty;

    /**
     * Takes the connection's current settings as its defaults, then switches to the configured autocommit
     * mode (last, so that reading the defaults opens no transaction).
     */
    PhysicalConnection(BaseConnection connection, boolean autoCommit) throws SQLException {
        this.connection = connection;
        this.defaultReadOnly = connection.isReadOnly();
        this.defaultIsolation = connection.getTransactionIsolation();
        this.defaultSearchPath = searchPath(connection);
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

    private static String searchPath(BaseConnection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW search_path")) {
            rs.next();
            return rs.getString(1);
        }
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
     * Brings the session back to the defaults: rolls back an open or failed transaction, then restores
     * whatever the borrower changed, and clears warnings.
     *
     * @throws SQLException when the connection cannot be cleaned; the caller destroys it then
     */
    void reset() throws SQLException {
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
