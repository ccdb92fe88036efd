package dev.berth.redis;

import java.util.List;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * MULTI/EXEC as a scope: enter leases a connection and queues MULTI; exit sends MULTI and the queued commands
 * in one write, reads their QUEUED acknowledgements, then sends EXEC (or DISCARD when the body failed): two
 * round trips however many commands (that is how Jedis's Transaction works). EXEC or DISCARD ends the
 * transaction's state on the connection, so it goes back to the pool without a reset round trip.
 */
final class TransactionScope extends LeasedBatchScope<Transaction> {
    private PipelineResults results;

    TransactionScope(LeasingConnectionProvider connections) {
        super(connections, "transaction", "MULTI");
    }

    @Override
    Transaction open(PooledConnection connection) {
        return new Transaction(connection, true, false);
    }

    @Override
    void complete(Transaction transaction) {
        List<Object> replies = transaction.exec();
        results = replies == null ? null : new PipelineResults(replies);
    }

    @Override
    void abandon(Transaction transaction, PooledConnection connection) {
        transaction.discard();
    }

    /** EXECABORT and the like are the server's answer: the connection itself is fine. */
    @Override
    boolean breaksConnection(RuntimeException e) {
        return !(e instanceof JedisDataException);
    }

    /** @return the EXEC replies, or {@code null} when a WATCHed key changed and EXEC was aborted */
    PipelineResults results() {
        return results;
    }
}
