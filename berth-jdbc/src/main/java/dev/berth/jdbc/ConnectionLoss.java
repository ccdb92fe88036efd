package dev.berth.jdbc;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Tells errors that leave a connection unusable from ordinary SQL errors: SQLSTATE class 08 (connection
 * exception), 57P01/57P02/57P03 (the server shut the session down or is starting/stopping), or an
 * {@link IOException} anywhere in the cause chain. A connection that saw one is destroyed on return.
 */
final class ConnectionLoss {

    private ConnectionLoss() {
    }

    static boolean isLoss(SQLException failure) {
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
