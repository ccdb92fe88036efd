package dev.berth.jdbc.tx;

import java.sql.SQLException;

/**
 * A unit of work run inside a transaction by {@link Database#transaction(TransactionWork)}. With retry it may
 * run more than once, each time in a fresh transaction, so it should have no effects outside the database
 * that it cannot repeat (or it should make them after the call returns).
 *
 * {@snippet :
 * TransactionWork<Long, RuntimeException> count = tx -> {
 *     try (var rs = tx.connection().createStatement().executeQuery("select count(*) from accounts")) {
 *         rs.next();
 *         return rs.getLong(1);
 *     }
 * };
 * }
 *
 * @param <R> what the work returns
 * @param <X> a checked exception the work may throw besides {@link SQLException} (inferred;
 *     {@link RuntimeException} when it throws none)
 */
@FunctionalInterface
public interface TransactionWork<R, X extends Exception> {

    /**
     * Does the work.
     *
     * @param transaction the open transaction; its {@link Transaction#connection()} runs the statements
     * @return the result handed back to the caller once the transaction committed
     * @throws SQLException a database error; the transaction rolls back (and is retried when retryable)
     * @throws X the work's own checked exception; the transaction rolls back
     */
    R run(Transaction transaction) throws SQLException, X;
}
