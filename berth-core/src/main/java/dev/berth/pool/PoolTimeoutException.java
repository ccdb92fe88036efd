package dev.berth.pool;

/**
 * No resource became free within the acquire timeout. The message describes the pool's state (sizes,
 * waiters, the last creation failure); {@link #getCause()} is the last creation failure, if any.
 */
public class PoolTimeoutException extends PoolException {
    private static final long serialVersionUID = 1L;

    /** @param message the pool's state and the likely fix; @param cause the last creation failure, or {@code null} */
    public PoolTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
