package dev.berth.pool;

import dev.berth.scope.Scope;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A pool of reusable resources lent out as {@link Lease}s.
 *
 * <p>Guarantees, under any concurrency:
 * <ul>
 * <li>never more than {@link PoolConfig#maxSize()} resources exist at once, and a resource is lent to one
 *     holder at a time;</li>
 * <li>waiting is fair with bounded barging: callers that must wait queue in arrival order. While waits are
 *     short (under 5 ms) a returned resource wakes the oldest waiter and a running caller may take it first,
 *     which keeps short leases fast; once the oldest has waited 5 ms, returned resources go straight to the
 *     oldest waiter and newcomers queue behind it, so under starvation the worst wait stays near what a
 *     perfectly fair queue gives;</li>
 * <li>blocking {@link #acquire()} parks the caller (cheap on virtual threads, no pinning); no lock is held
 *     across I/O and no state is cached per thread;</li>
 * <li>a cancelled or timed-out acquire never loses a resource;</li>
 * <li>resources are created off the caller's path, at most {@link PoolConfig#createConcurrency()} at a time;
 *     a creation failure reaches waiting callers as the cause of their error.</li>
 * </ul>
 *
 * {@snippet :
 * try (Pool<Socket> pool = Pool.open(PoolConfig.builder().name("cache").maxSize(8).build(), sockets);
 *      Lease<Socket> lease = pool.acquire()) {
 *     lease.get().getOutputStream().write(request);
 * }
 * }
 *
 * @param <R> the pooled resource type
 */
public interface Pool<R> extends AutoCloseable {

    /**
     * Opens a pool. Resources up to {@link PoolConfig#minIdle()} are created in the background.
     *
     * @param config the settings
     * @param factory makes, checks and disposes of resources
     * @param <R> the resource type
     * @return the open pool
     */
    static <R> Pool<R> open(PoolConfig config, ResourceFactory<R> factory) {
        return new FairPool<>(config, factory);
    }

    /**
     * Borrows a resource, waiting up to {@link PoolConfig#acquireTimeout()}.
     *
     * @return a lease; close it to give the resource back
     * @throws PoolTimeoutException when no resource became free in time (the message explains the pool's state)
     * @throws PoolClosedException when the pool is closed or closes while waiting
     * @throws PoolException when resources cannot be created (the cause says why)
     * @throws InterruptedException when the waiting thread is interrupted; nothing is leased then
     */
    Lease<R> acquire() throws InterruptedException;

    /**
     * Borrows a resource, waiting up to {@code timeout}.
     *
     * @param timeout the longest wait; zero means "only if one is free now"
     * @return a lease; close it to give the resource back
     * @throws PoolTimeoutException when no resource became free in time
     * @throws PoolClosedException when the pool is closed or closes while waiting
     * @throws PoolException when resources cannot be created (the cause says why)
     * @throws InterruptedException when the waiting thread is interrupted; nothing is leased then
     * @throws IllegalArgumentException when {@code timeout} is negative
     */
    Lease<R> acquire(Duration timeout) throws InterruptedException;

    /**
     * Borrows a resource without blocking the caller. The future completes with a lease, or exceptionally
     * with the exceptions {@link #acquire()} throws. Cancelling the future withdraws the request; if a
     * resource was handed over at the same moment it goes back to the pool, never lost.
     *
     * @return a future lease, waiting at most {@link PoolConfig#acquireTimeout()}
     */
    CompletableFuture<Lease<R>> acquireAsync();

    /**
     * The pool as a {@link Scope}: enter borrows a resource, exit returns it. For use with
     * {@link dev.berth.scope.Scopes#using} and {@link dev.berth.scope.ScopeStack}.
     *
     * @return a new scope; each instance is entered once
     */
    Scope<R> scope();

    /**
     * A consistent-enough snapshot of the pool's counters and latency percentiles.
     *
     * @return the current statistics
     */
    PoolStats stats();

    /**
     * The pool's state and its longest current holders (thread, hold time, state, call site): the same
     * forensic report an acquire timeout carries, on demand.
     *
     * @return a snapshot report
     */
    PoolReport report();

    /**
     * Retires every resource the pool has now, softly: idle ones are destroyed at once, leased ones when their
     * lease is closed (the holder is not disturbed), and one whose creation was under way is destroyed as soon as
     * it exists. The pool then creates fresh resources as callers and {@code minIdle} need them; resources created
     * after this call are not affected. For a database that failed over, credentials that rotated, a DNS change.
     * Safe from any thread, any number of times; it does not block.
     * {@snippet :
     * pool.evict();   // after a failover: no caller is lent a connection to the old primary again
     * }
     */
    void evict();

    /**
     * Makes the pool check every resource it has before lending it again: idle ones are validated now, off the
     * caller's path and in parallel (a dead server costs one {@link PoolConfig#validationTimeout()}), leased ones at
     * their next borrow; those that fail are destroyed and replaced. For when one resource failed in a way that
     * suggests the others did too (a server restart, a dropped network). Safe from any thread; it does not block.
     * {@snippet :
     * try (Lease<Socket> lease = pool.acquire()) {
     *     send(lease.get(), request);
     * } catch (IOException e) {
     *     pool.revalidate();   // the server may have gone away: check the other sockets before they are lent
     *     throw e;
     * }
     * }
     */
    void revalidate();

    /** @return the pool's configuration */
    PoolConfig config();

    /** @return whether {@link #close()} has been called */
    boolean isClosed();

    /**
     * Closes the pool: new acquires fail at once, waiting callers get a {@link PoolClosedException}, idle
     * resources are destroyed, leases still out are awaited up to {@link PoolConfig#closeGrace()} and then
     * destroyed. Returns when every pool thread has finished. Idempotent.
     */
    @Override
    void close();
}
