package dev.berth.redis;

import dev.berth.scope.Scope;
import java.util.List;
import redis.clients.jedis.Transaction;

/**
 * MULTI/EXEC as a scope: enter leases a connection and queues MULTI; exit sends MULTI and the queued commands
 * in one write, reads their QUEUED acknowledgements, then sends EXEC (or DISCARD when the body failed): two
 * round trips however many commands (that is how Jedis's Transaction works). EXEC or DISCARD ends the
 * transaction's state on the connection, so it goes back to the pool without a reset round trip.
 */
final class TransactionScope implements Scope<Transaction> {
    private final LeasingConnectionProvider connections;
    private PooledConnection connection;
    private Transaction transaction;
    private PipelineResults results;

    TransactionScope(LeasingConnectionProvider connections) {
        this.connections = connections;
    }

    @Override
    public Transaction enter() {
        if (connection != null) {
            throw new IllegalStateException("this transaction scope was already entered; ask RedisPool.transaction() for a new one");
        }
        connection = connections.lease(false, "MULTI");
        try {
            transaction = new Transaction(connection, true, false);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return transaction;
    }

    @Override
    public boolean exit(Throwable failure) {
        try {
            if (failure == null) {
                List<Object> replies = transaction.exec();
                results = replies == null ? null : new PipelineResults(replies);
            } else {
                transaction.discard();
            }
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            throw e; // EXECABORT and the like: the connection itself is fine
        } catch (RuntimeException e) {
            connection.setBroken();
            throw e;
        } finally {
            connection.close();
        }
        return false;
    }

    /** @return the EXEC replies, or {@code null} when a WATCHed key changed and EXEC was aborted */
    PipelineResults results() {
        return results;
    }
}
