package dev.berth.redis;

import dev.berth.pool.Lease;
import java.io.IOException;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;

/**
 * A Jedis connection that belongs to a berth pool. While it is lent, {@link #close()} ends the lease instead
 * of closing the socket: Jedis calls {@code close()} after every command, so the connection goes back to
 * berth's pool, or is destroyed when Jedis marked it broken after an I/O error. Only the pool's factory
 * really disconnects it ({@link #destroy()}).
 */
final class PooledConnection extends Connection {
    private final String address;
    private volatile Lease<PooledConnection> lease;
    /** Set when the holder may have changed connection state (SELECT, WATCH); reset on return then. */
    private volatile boolean dedicated;

    PooledConnection(JedisSocketFactory sockets, JedisClientConfig config, String address) {
        super(sockets, config);
        this.address = address;
    }

    /** Binds the lease that {@link #close()} will end. */
    void attach(Lease<PooledConnection> lease, boolean dedicated) {
        this.dedicated = dedicated;
        this.lease = lease;
    }

    boolean takeDedicated() {
        boolean was = dedicated;
        dedicated = false;
        return was;
    }

    /** Ends the current lease: back to the pool, or destroyed when broken. Idempotent for one lease. */
    @Override
    public void close() {
        Lease<PooledConnection> current = lease;
        if (current == null) {
            return;
        }
        lease = null;
        if (isBroken()) {
            current.markBroken();
        }
        current.close();
    }

    /** Closes the socket for good, without flushing commands a failed pipeline left in the buffer. */
    void destroy() {
        try {
            forceDisconnect();
        } catch (IOException | RuntimeException ignored) {
            // the socket is gone either way
        }
    }

    @Override
    public String toString() {
        return "berth Redis connection to " + address;
    }
}
