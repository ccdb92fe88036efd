package dev.berth.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A statement handed out by a {@link PooledConnection}: forwards every call to pgjdbc's statement, tells
 * the connection when it is closed (so the connection closes the ones left open on return), reports
 * connection loss to it, shows it the SQL run through {@code execute*} and {@code addBatch} (for the full session
 * reset), and answers {@code getConnection()} with the pooled connection, not the physical one.
 * A dynamic proxy: statements run network round trips, so reflection costs nothing measurable here.
 */
final class TrackedStatement implements InvocationHandler {

    private final PooledConnection owner;
    private final Statement delegate;

    TrackedStatement(PooledConnection owner, Statement delegate) {
        this.owner = owner;
        this.delegate = delegate;
    }

    /** @return a proxy implementing {@code type} (Statement, PreparedStatement or CallableStatement) */
    <S extends Statement> S proxy(Class<S> type) {
        return type.cast(Proxy.newProxyInstance(TrackedStatement.class.getClassLoader(), new Class<?>[] {type}, this));
    }

    /** Closes the statement without going through the proxy (the connection is returning). */
    void closeDelegate() throws SQLException {
        delegate.close();
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "close" -> {
                if (method.getParameterCount() == 0) {
                    owner.untrack(this);
                }
            }
            case "getConnection" -> {
                if (method.getParameterCount() == 0) {
                    owner.checkOpen();
                    return owner;
                }
            }
            case "unwrap" -> {
                if (args.length == 1 && args[0] instanceof Class<?> iface && iface.isInstance(proxy)) {
                    return proxy;
                }
            }
            case "isWrapperFor" -> {
                if (args.length == 1 && args[0] instanceof Class<?> iface && iface.isInstance(proxy)) {
                    return true;
                }
            }
            case "equals" -> {
                if (method.getParameterCount() == 1 && method.getParameterTypes()[0] == Object.class) {
                    return proxy == args[0];
                }
            }
            case "hashCode" -> {
                if (method.getParameterCount() == 0) {
                    return System.identityHashCode(proxy);
                }
            }
            case "toString" -> {
                if (method.getParameterCount() == 0) {
                    return "pooled " + delegate;
                }
            }
            case "execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "addBatch" -> {
                if (args != null && args.length > 0 && args[0] instanceof String sql) {
                    owner.sawSql(sql);
                }
            }
            default -> { }
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw owner.failed(sql);
            }
            throw cause;
        }
    }
}
