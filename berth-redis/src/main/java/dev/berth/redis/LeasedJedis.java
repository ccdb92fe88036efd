package dev.berth.redis;

import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.Jedis;

/**
 * A Jedis on a leased connection whose {@code close()} ends the lease once: a second close must not end the
 * lease of whoever holds the connection by then.
 */
class LeasedJedis extends Jedis {
    private final AtomicBoolean closed = new AtomicBoolean();

    LeasedJedis(PooledConnection connection) {
        super(connection);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            super.close();
        }
    }

    /** A Jedis on a connection berth itself returns (the WATCH read phase): closing it does nothing. */
    static final class Borrowed extends Jedis {
        Borrowed(PooledConnection connection) {
            super(connection);
        }

        @Override
        public void close() {
            // berth returns the connection when the attempt ends
        }
    }
}
