package dev.berth.redis;

import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A connection to Redis could not be opened. The message names the server (password hidden) and the
 * server's or the network's reason; it is a {@link JedisConnectionException}, so code that already handles
 * Jedis connection failures handles it too.
 */
public class RedisConnectException extends JedisConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and the likely fix
     * @param cause the underlying failure
     */
    public RedisConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
