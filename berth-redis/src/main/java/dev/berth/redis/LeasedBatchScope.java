package dev.berth.redis;

import dev.berth.scope.Scope;

/**
 * What {@link PipelineScope} and {@link TransactionScope} share: enter leases one connection (once per scope)
 * and opens the batch on it; exit completes the batch, or abandons it when the body failed, and always returns
 * the connection, destroyed when the exchange broke. Subclasses say only how a batch opens, completes and is
 * abandoned, and which errors leave the connection usable.
 *
 * <p>Not thread-safe, like any scope: one caller enters and exits it.
 *
 * @param <T> the Jedis batch the body queues commands on
 */
abstract sealed class LeasedBatchScope<T> implements Scope<T> permits PipelineScope, TransactionScope {
    private final LeasingConnectionProvider connections;
    private final String kind;
    private final String leaseState;
    private PooledConnection connection;
    private T batch;

    /**
     * @param kind       what the scope is, for messages ({@code "pipeline"}, as in {@code RedisPool.pipeline()})
     * @param leaseState what the lease is doing, for leak and diagnostics reports
     */
    LeasedBatchScope(LeasingConnectionProvider connections, String kind, String leaseState) {
        this.connections = connections;
        this.kind = kind;
        this.leaseState = leaseState;
    }

    /** Opens the batch on the freshly leased connection; when it throws, the connection goes back at once. */
    abstract T open(PooledConnection connection);

    /** Sends the batch and keeps its replies; the body succeeded. */
    abstract void complete(T batch);

    /** Drops the batch; the body failed. */
    abstract void abandon(T batch, PooledConnection connection);

    /** @return whether {@code e}, thrown while completing or abandoning, leaves the connection unusable */
    boolean breaksConnection(RuntimeException e) {
        return true;
    }

    @Override
    public final T enter() {
        if (connection != null) {
            throw new IllegalStateException("this " + kind + " scope was already entered; ask RedisPool." + kind
                    + "() for a new one");
        }
        connection = connections.lease(false, leaseState);
        try {
            batch = open(connection);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return batch;
    }

    @Override
    public final boolean exit(Throwable failure) {
        try {
            if (failure == null) {
                complete(batch);
            } else {
                abandon(batch, connection);
            }
        } catch (RuntimeException e) {
            if (breaksConnection(e)) {
                connection.setBroken();
            }
            throw e;
        } finally {
            connection.close();
        }
        return false;
    }
}
