package dev.berth.jdbc;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Tells errors that leave a connection unusable from ordinary SQL errors: SQLSTATE class 08 (connection
 * exception), 57P01/57P02/57P03 (the server shut the session down or is starting/stopping), or an
 * {@link IOException} anywhere in the cause chain. A {@link BerthDataSource} connection that saw one is
 * destroyed on return instead of going back to the pool.
 *
 * <p>Public so that code on top of the data source judges a failure by the same rule the pool does; berth's
 * transaction layer ({@code dev.berth.jdbc.tx}) uses it to tell a lost COMMIT (outcome unknown) from a refused
 * one, and a replica that cannot serve from a failed statement.
 *
 * {@snippet :
 * try {
 *     insertOrder(connection, order);
 * } catch (SQLException e) {
 *     if (ConnectionLoss.isLoss(e)) {
 *         // the server or the network went away: the statement may or may not have run
 *     }
 *     throw e;
 * }
 * }
 *
 * <p>Stateless and thread-safe.
 */
public final class ConnectionLoss {

    private ConnectionLoss() {
    }

    /**
     * Whether {@code failure} means the connection is lost: judged along its cause chain (at most 20 deep) and
     * its {@linkplain SQLException#getNextException() next-exception} chain.
     *
     * @param failure an error from a JDBC call
     * @return {@code true} for SQLSTATE class 08, 57P01, 57P02, 57P03 or an {@link IOException} cause;
     *     {@code false} for ordinary SQL errors (constraint violations, serialization failures, timeouts, ...)
     */
    public static boolean isLoss(SQLException failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof IOException) {
                return true;
            }
            if (t instanceof SQLException sql && isLossState(sql.getSQLState())) {
                return true;
            }
        }
        SQLException next = failure.getNextException();
        return next != null && next != failure && isLoss(next);
    }

    static boolean isLossState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08")
                || sqlState.equals("57P01") || sqlState.equals("57P02") || sqlState.equals("57P03"));
    }
}
