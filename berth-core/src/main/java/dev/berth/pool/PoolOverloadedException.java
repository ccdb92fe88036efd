package dev.berth.pool;

/**
 * The pool refused a caller at once because it is overloaded: callers have been arriving faster than it serves them,
 * and this caller's expected wait would outlast its remaining budget ({@link OverloadPolicy#SHED}). A
 * {@link PoolTimeoutException}, since the caller could not have been served in time; it learns so now instead of after
 * its whole timeout. The message gives the pool's service rate, the queue ahead and the expected wait.
 * {@snippet :
 * try (Lease<Connection> lease = pool.acquire()) {
 *     // ...
 * } catch (PoolOverloadedException e) {
 *     return Response.status(503).header("Retry-After", "1").build();   // shed: tell the client to come back
 * }
 * }
 */
public final class PoolOverloadedException extends PoolTimeoutException {
    private static final long serialVersionUID = 1L;

    /** @param message the pool's rate, queue, the expected wait and what to change */
    public PoolOverloadedException(String message) {
        super(message, null);
    }

    /** Rendered when first read: a pool shedding thousands of callers a second builds no text nobody reads. */
    PoolOverloadedException(java.util.function.Supplier<String> message) {
        super(message, null);
    }
}
