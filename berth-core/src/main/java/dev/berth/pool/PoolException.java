package dev.berth.pool;

/** A pool could not lend a resource. Subclasses say why; {@link #getCause()} carries a creation failure. */
public class PoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and what to do; @param cause the underlying failure, or {@code null} */
    public PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
