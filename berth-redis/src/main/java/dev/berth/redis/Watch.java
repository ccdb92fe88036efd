package dev.berth.redis;

import dev.berth.scope.ScopeAction;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * One attempt of an optimistic transaction, handed to a {@link WatchBody}: read with {@link #jedis()} (the
 * keys are already watched on this connection), then queue the writes with {@link #multi}. berth sends EXEC
 * after the body returns; when a watched key changed meanwhile, EXEC is aborted and the body runs again.
 * Belongs to the calling thread for the duration of the body.
 */
public final class Watch {
    private final Jedis jedis;
    private final PooledConnection connection;
    private final int attempt;
    private Transaction transaction;

    Watch(PooledConnection connection, int attempt) {
        this.connection = connection;
        this.jedis = new LeasedJedis.Borrowed(connection);
        this.attempt = attempt;
    }

    /**
     * The connection the keys are watched on, for the read phase. Closing it does nothing (berth returns the
     * connection after EXEC); do not call MULTI on it, use {@link #multi} instead.
     *
     * @return a Jedis on the watched connection
     */
    public Jedis jedis() {
        return jedis;
    }

    /** @return which attempt this is, from 1 */
    public int attempt() {
        return attempt;
    }

    /**
     * Starts MULTI and queues the writes; EXEC follows when the body returns. Call at most once.
     *
     * @param writes queues commands on the transaction (their replies come back from EXEC)
     * @throws Exception what {@code writes} throws; the transaction is then discarded
     */
    public void multi(ScopeAction<? super Transaction> writes) throws Exception {
        if (transaction != null) {
            throw new IllegalStateException("multi was already called in this attempt; queue every write in one call");
        }
        transaction = new Transaction(connection, true, false);
        writes.accept(transaction);
    }

    Transaction transaction() {
        return transaction;
    }
}
