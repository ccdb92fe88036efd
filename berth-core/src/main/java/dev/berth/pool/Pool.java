package dev.berth.pool;

import dev.berth.scope.Scope;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

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

    /** @return the pool's configuration now (it changes with {@link #reconfigure}) */
    PoolConfig config();

    /**
     * Changes settings of the running pool, safely under load, and returns the new configuration. The change is
     * checked like {@link PoolConfig.Builder#build()} (a bad value fails naming the setting, and nothing changes);
     * every setting may change except {@code name} and {@code listener}.
     * <ul>
     * <li>A raised {@code maxSize} serves waiting callers at once (resources are created for them); a lowered one
     *     retires idle resources now and leased ones as they are returned, never taking one from its holder, so the
     *     pool holds at most the new maximum plus what was leased at that moment, and then the new maximum.</li>
     * <li>A raised {@code minIdle} is filled at once; a lowered one lets idle resources age out by
     *     {@code idleTimeout}.</li>
     * <li>{@code acquireTimeout} applies to acquires that start afterwards; the lifetime settings to resources
     *     created afterwards (call {@link #evict()} to recycle the others now); the leak and slow-lease thresholds to
     *     leases taken afterwards; periods ({@code housekeepingPeriod}, {@code reportInterval}) restart.</li>
     * </ul>
     * Changes are serialised; each is logged at INFO.
     * {@snippet :
     * pool.reconfigure(settings -> settings.maxSize(40).acquireTimeout(Duration.ofSeconds(2)));
     * }
     *
     * @param change given a builder holding the current settings, returns it changed
     * @return the configuration now in force
     * @throws IllegalArgumentException when a setting is invalid or cannot change; nothing changed then
     * @throws IllegalStateException when the pool is closing or closed
     */
    PoolConfig reconfigure(UnaryOperator<PoolConfig.Builder> change);

    /**
     * Stops lending: callers wait (up to their timeout, which then explains that the pool is suspended) and no
     * resource is created, while leases out continue and housekeeping goes on. For maintenance: suspend, then
     * {@link #evict()} to drop connections to an old server or old credentials, then {@link #resume()}. Callers that
     * waited through the suspension are served first, in arrival order. Idempotent.
     * {@snippet :
     * pool.suspend();
     * pool.evict();     // idle connections go now, leased ones when returned
     * rotateCredentials();
     * pool.resume();    // waiting callers get connections made with the new credentials
     * }
     */
    void suspend();

    /** Lends again after {@link #suspend()}: first to the callers that waited, in arrival order. Idempotent. */
    void resume();

    /** @return whether the pool is suspended */
    boolean isSuspended();

    /** @return whether {@link #close()} has been called */
    boolean isClosed();

    /**
     * Closes the pool gracefully, for a service shutting down: new callers are refused at once with a
     * {@link PoolClosedException} saying the pool is closing (a load balancer's retry then goes to another instance),
     * leases out are left to finish, and callers already waiting are still served, in order, as resources come back.
     * Once nothing is out and nobody waits, or when {@code grace} runs out, the pool closes: callers still waiting
     * are failed with a {@link PoolClosedException} saying the grace ran out, and resources still leased are
     * destroyed. A suspended pool is resumed first. Returns when the pool is closed; the report says what was cut
     * off (also logged, as a warning when anything was). Calling it again, or after {@link #close()}, returns an
     * empty report.
     * {@snippet :
     * Runtime.getRuntime().addShutdownHook(new Thread(() -> pool.close(Duration.ofSeconds(20))));
     * }
     *
     * @param grace the longest the close may wait for in-flight work; zero closes at once
     * @return what the close served and what it cut off
     * @throws IllegalArgumentException when {@code grace} is null or negative
     */
    DrainReport close(Duration grace);

    /**
     * Registers a JVM shutdown hook (run on SIGTERM, Ctrl-C or {@link System#exit}) that closes this pool with
     * {@link #close(Duration) close(grace)}. Pools with hooks drain in parallel, each within its grace; keep the sum of
     * the grace and the rest of the shutdown under the platform's kill timeout (Kubernetes:
     * {@code terminationGracePeriodSeconds}, 30 s by default).
     * {@snippet :
     * Pool<Socket> pool = Pool.open(config, sockets);
     * pool.closeOnShutdown(Duration.ofSeconds(20));
     * }
     *
     * @param grace the longest the close may wait for in-flight work
     * @return the registered hook, for {@link Runtime#removeShutdownHook}
     * @throws IllegalArgumentException when {@code grace} is null or negative
     */
    default Thread closeOnShutdown(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace is " + grace + " but must be zero or more, e.g. Duration.ofSeconds(20)");
        }
        Thread hook = new Thread(() -> close(grace), "berth-" + config().name() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /**
     * Closes the pool: new acquires fail at once, waiting callers get a {@link PoolClosedException}, idle
     * resources are destroyed, leases still out are awaited up to {@link PoolConfig#closeGrace()} and then
     * destroyed. Returns when every pool thread has finished. Idempotent.
     */
    @Override
    void close();
}
