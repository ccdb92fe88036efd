/**
 * The transaction layer: {@link dev.berth.jdbc.tx.Database} runs a unit of work in a transaction on a pooled
 * {@link javax.sql.DataSource} (a {@link dev.berth.jdbc.BerthDataSource} or any other), commits it, rolls it back
 * on failure and runs it again on a serialization failure or deadlock ({@link dev.berth.jdbc.tx.RetryPolicy}).
 * Nested calls become savepoints, read-only work may go to read replicas, and transactions left open too long
 * are reported ({@link dev.berth.jdbc.tx.LongTransaction}).
 *
 * {@snippet :
 * Database db = Database.of(dataSource);
 * TransactionOptions serializable = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE);
 * boolean moved = db.transaction(serializable, tx -> transfer(tx.connection(), from, to, amount));
 * }
 *
 * <p>This layer uses only the public API of {@link dev.berth.jdbc}; its own engine (the runner, the replica
 * router, the long-transaction watch) is package-private.
 */
package dev.berth.jdbc.tx;
