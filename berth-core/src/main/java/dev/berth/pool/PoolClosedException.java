package dev.berth.pool;

/** The pool is closed, or was closed while the caller waited. */
public class PoolClosedException extends PoolException {
    private static final long serialVersionUID = 1L;

    /** @param message names the pool */
    public PoolClosedException(String message) {
        super(message, null);
    }
}
