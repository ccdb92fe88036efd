package dev.berth.pool;

import java.time.Duration;

/**
 * One borrow of one pooled resource: a scope that ends with {@link #close()}. While a lease is open the
 * resource belongs to its holder alone; {@code close()} gives it back to the pool (or destroys it when it
 * was {@linkplain #markBroken() marked broken}).
 *
 * {@snippet :
 * try (Lease<Connection> lease = pool.acquire()) {
 *     Connection c = lease.get();
 *     // use c; it goes back to the pool at the end of the block, whatever happens
 * }
 * }
 *
 * <p>A lease is meant for one holder at a time, but {@code close()} is idempotent and safe to call from
 * any thread: only the first call returns the resource. After {@code close()}, {@link #get()} fails.
 *
 * @param <R> the pooled resource type
 */
public interface Lease<R> extends AutoCloseable {

    /**
     * The leased resource.
     *
     * @return the resource, never {@code null}
     * @throws IllegalStateException when the lease was closed (the resource may already serve someone else)
     */
    R get();

    /**
     * Marks the resource as broken: {@link #close()} will destroy it instead of returning it, and the
     * pool will create a replacement when needed. Use it after an I/O error on the resource.
     */
    void markBroken();

    /**
     * Says what the holder is doing with the resource ("in transaction", "pipeline"), shown in pool
     * reports. Cheap: stores a reference.
     *
     * @param state a short description, or {@code null} to clear it
     */
    void state(String state);

    /**
     * How long this lease has been held so far (or was held, once closed).
     *
     * @return the hold time
     */
    Duration heldFor();

    /**
     * Whether {@link #close()} has been called.
     *
     * @return {@code true} once closed
     */
    boolean isClosed();

    /**
     * Returns the resource to the pool (after {@link ResourceFactory#reset}) or destroys it when broken,
     * reset fails or it has outlived its lifetime. Idempotent; never throws.
     */
    @Override
    void close();
}
