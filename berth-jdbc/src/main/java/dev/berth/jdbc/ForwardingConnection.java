package dev.berth.jdbc;

import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import org.postgresql.core.BaseConnection;

/**
 * The plain half of {@link PooledConnection}: {@link Connection} methods that berth forwards to pgjdbc
 * unchanged, apart from refusing use after close ({@link #delegate()}) and noting connection loss
 * ({@link #failed}). Methods with pool semantics (close, statements, session settings) live in the subclass.
 */
abstract class ForwardingConnection implements Connection {

    /** @return the pgjdbc connection, or throws "connection is closed" */
    abstract BaseConnection delegate() throws SQLException;

    /** @return the pgjdbc connection for client info, or throws "connection is closed" */
    abstract BaseConnection clientInfoDelegate() throws SQLClientInfoException;

    /** Notes a connection loss and hands the failure back. */
    abstract SQLException failed(SQLException failure);

    // ---- transactions ----------------------------------------------------------------------------------

    @Override
    public void commit() throws SQLException {
        try {
            delegate().commit();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void rollback() throws SQLException {
        try {
            delegate().rollback();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        try {
            return delegate().setSavepoint();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        try {
            return delegate().setSavepoint(name);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        try {
            delegate().rollback(savepoint);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        try {
            delegate().releaseSavepoint(savepoint);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    // ---- everything else: plain forwarding -------------------------------------------------------------

    @Override
    public String nativeSQL(String sql) throws SQLException {
        return delegate().nativeSQL(sql);
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        try {
            return delegate().getMetaData();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        return delegate().getWarnings();
    }

    @Override
    public void clearWarnings() throws SQLException {
        delegate().clearWarnings();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return delegate().getTypeMap();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        delegate().setTypeMap(map);
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        delegate().setHoldability(holdability);
    }

    @Override
    public int getHoldability() throws SQLException {
        return delegate().getHoldability();
    }

    @Override
    public Clob createClob() throws SQLException {
        return delegate().createClob();
    }

    @Override
    public Blob createBlob() throws SQLException {
        try {
            return delegate().createBlob();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public NClob createNClob() throws SQLException {
        return delegate().createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return delegate().createSQLXML();
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        try {
            return delegate().createArrayOf(typeName, elements);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return delegate().createStruct(typeName, attributes);
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        clientInfoDelegate().setClientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        clientInfoDelegate().setClientInfo(properties);
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        return delegate().getClientInfo(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return delegate().getClientInfo();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return delegate().unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate().isWrapperFor(iface);
    }
}
