package dev.berth.bench;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A connection that talks to nobody: setters remember their value, getters return it, transactions
 * are no-ops, and it is always valid until closed. Statements are not supported (the pool benchmarks
 * never run one). Used by one borrower at a time, like any pooled connection.
 */
final class NoopConnection implements Connection {

    /** Calls of {@link #isValid} in this JVM, so a run can show that no pool validated on every borrow. */
    static final java.util.concurrent.atomic.LongAdder VALIDATIONS = new java.util.concurrent.atomic.LongAdder();

    private volatile boolean closed;
    private boolean autoCommit = true;
    private boolean readOnly;
    private int isolation = TRANSACTION_READ_COMMITTED;
    private String catalog;
    private String schema = "public";
    private int networkTimeout;
    private Map<String, Class<?>> typeMap = Map.of();
    private int holdability = java.sql.ResultSet.HOLD_CURSORS_OVER_COMMIT;

    private static SQLFeatureNotSupportedException noStatements() {
        return new SQLFeatureNotSupportedException("the no-op driver runs no statements; use PostgreSQL for real work");
    }

    @Override public Statement createStatement() throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql) throws SQLException { throw noStatements(); }
    @Override public CallableStatement prepareCall(String sql) throws SQLException { throw noStatements(); }
    @Override public String nativeSQL(String sql) { return sql; }
    @Override public void setAutoCommit(boolean autoCommit) { this.autoCommit = autoCommit; }
    @Override public boolean getAutoCommit() { return autoCommit; }
    @Override public void commit() { }
    @Override public void rollback() { }
    @Override public void close() { closed = true; }
    @Override public boolean isClosed() { return closed; }
    @Override public DatabaseMetaData getMetaData() throws SQLException { throw new SQLFeatureNotSupportedException("the no-op driver has no metadata"); }
    @Override public void setReadOnly(boolean readOnly) { this.readOnly = readOnly; }
    @Override public boolean isReadOnly() { return readOnly; }
    @Override public void setCatalog(String catalog) { this.catalog = catalog; }
    @Override public String getCatalog() { return catalog; }
    @Override public void setTransactionIsolation(int level) { this.isolation = level; }
    @Override public int getTransactionIsolation() { return isolation; }
    @Override public SQLWarning getWarnings() { return null; }
    @Override public void clearWarnings() { }
    @Override public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency) throws SQLException { throw noStatements(); }
    @Override public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException { throw noStatements(); }
    @Override public Map<String, Class<?>> getTypeMap() { return typeMap; }
    @Override public void setTypeMap(Map<String, Class<?>> map) { this.typeMap = map; }
    @Override public void setHoldability(int holdability) { this.holdability = holdability; }
    @Override public int getHoldability() { return holdability; }
    @Override public Savepoint setSavepoint() throws SQLException { throw new SQLFeatureNotSupportedException("the no-op driver has no savepoints"); }
    @Override public Savepoint setSavepoint(String name) throws SQLException { throw new SQLFeatureNotSupportedException("the no-op driver has no savepoints"); }
    @Override public void rollback(Savepoint savepoint) { }
    @Override public void releaseSavepoint(Savepoint savepoint) { }
    @Override public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException { throw noStatements(); }
    @Override public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException { throw noStatements(); }
    @Override public Clob createClob() throws SQLException { throw new SQLFeatureNotSupportedException("no LOBs"); }
    @Override public Blob createBlob() throws SQLException { throw new SQLFeatureNotSupportedException("no LOBs"); }
    @Override public NClob createNClob() throws SQLException { throw new SQLFeatureNotSupportedException("no LOBs"); }
    @Override public SQLXML createSQLXML() throws SQLException { throw new SQLFeatureNotSupportedException("no XML"); }
    @Override public boolean isValid(int timeout) { VALIDATIONS.increment(); return !closed; }
    @Override public void setClientInfo(String name, String value) throws SQLClientInfoException { }
    @Override public void setClientInfo(Properties properties) throws SQLClientInfoException { }
    @Override public String getClientInfo(String name) { return null; }
    @Override public Properties getClientInfo() { return new Properties(); }
    @Override public Array createArrayOf(String typeName, Object[] elements) throws SQLException { throw new SQLFeatureNotSupportedException("no arrays"); }
    @Override public Struct createStruct(String typeName, Object[] attributes) throws SQLException { throw new SQLFeatureNotSupportedException("no structs"); }
    @Override public void setSchema(String schema) { this.schema = schema; }
    @Override public String getSchema() { return schema; }
    @Override public void abort(Executor executor) { closed = true; }
    @Override public void setNetworkTimeout(Executor executor, int milliseconds) { this.networkTimeout = milliseconds; }
    @Override public int getNetworkTimeout() { return networkTimeout; }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("the no-op connection is not a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
