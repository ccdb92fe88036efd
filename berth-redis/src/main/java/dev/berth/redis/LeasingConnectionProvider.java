package dev.berth.redis;

import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolException;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.providers.ConnectionProvider;

/**
 * Jedis's hook into berth: every connection Jedis asks for is a berth lease, and the {@code close()} Jedis
 * calls after the command ends it. Closing the provider does nothing; the {@link RedisPool} owns the pool.
 */
final class LeasingConnectionProvider implements ConnectionProvider {
    private final Pool<PooledConnection> pool;

    LeasingConnectionProvider(Pool<PooledConnection> pool) {
        this.pool = pool;
    }

    PooledConnection lease(boolean dedicated, String state) {
        return lease(dedicated, state, pool.config().acquireTimeout());
    }

    /** Leases a connection, waiting at most {@code timeout} (zero: only one that is free now). */
    PooledConnection lease(boolean dedicated, String state, java.time.Duration timeout) {
        Lease<PooledConnection> lease;
        try {
            lease = pool.acquire(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoolException("interrupted while waiting for a connection from Redis pool '"
                    + pool.config().name() + "'; nothing was leased", e);
        }
        if (state != null) {
            lease.state(state);
        }
        PooledConnection connection = lease.get();
        connection.attach(lease, dedicated);
        return connection;
    }

    @Override
    public Connection getConnection() {
        return lease(false, null);
    }

    @Override
    public Connection getConnection(CommandArguments args) {
        return lease(false, null);
    }

    @Override
    public void close() {
        // the RedisPool closes the berth pool
    }
}
