package dev.berth.jdbc.tx;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Work run by {@link Database#session(SessionWork)} on a leased connection in autocommit mode: each statement
 * commits on its own. Transactions begun with the same {@link Database} inside the work run on this
 * connection too.
 *
 * {@snippet :
 * SessionWork<Integer, RuntimeException> purge = connection -> {
 *     try (var statement = connection.createStatement()) {
 *         return statement.executeUpdate("delete from sessions where expires_at < now()");
 *     }
 * };
 * }
 *
 * @param <R> what the work returns
 * @param <X> a checked exception the work may throw besides {@link SQLException} (inferred)
 */
@FunctionalInterface
public interface SessionWork<R, X extends Exception> {

    /**
     * Does the work.
     *
     * @param connection the leased connection, in autocommit mode; do not close it (berth gives it back)
     * @return the result handed back to the caller
     * @throws SQLException a database error
     * @throws X the work's own checked exception
     */
    R run(Connection connection) throws SQLException, X;
}
