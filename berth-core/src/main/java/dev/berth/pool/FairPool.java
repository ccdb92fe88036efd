package dev.berth.pool;

import dev.berth.scope.Scope;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * berth's pool engine.
 *
 * <p>Hot path: entries live in an {@link EntryTable}; a borrower claims an idle one with one CAS on its
 * state, a returner publishes it idle (or, when the {@link WaitQueue} is in FIFO mode, hands it to the oldest
 * waiter). The waiter ("enqueue, then look for idle entries") and the returner ("publish idle, then look for
 * waiters") each re-check the other's side after a volatile write, so no entry stays idle while a waiter
 * sleeps. Who gets served first is the {@link WaitQueue}'s policy (bounded barging).
 *
 * <p>Slow paths (creation, destruction, validation, housekeeping) never run under a lock; the only lock
 * guards changes of the entry array and close's wait.
 */
final class FairPool<R> implements Pool<R> {
    private static final System.Logger LOG = System.getLogger("dev.berth.pool");
    private final PoolConfig config;
    private final ResourceFactory<R> factory;
    private final String name;
    private final long validateAfterIdleNanos;
    private final long acquireTimeoutNanos;

    private final EntryTable<R> table;
    private final AtomicInteger creating = new AtomicInteger();
    private final WaitQueue<R> queue;
    private final Deadlines deadlines;
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();

    private final AtomicLong created = new AtomicLong();
    private final AtomicLong destroyed = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong creationFailures = new AtomicLong();
    private volatile Throwable lastCreationFailure;
    private final AtomicLong failureStreak = new AtomicLong();
    private volatile long lastFailureLog;
    private static final long FAILURE_LOG_NANOS = TimeUnit.SECONDS.toNanos(30);
    private final LatencyHistogram acquireWait = new LatencyHistogram();
    private final LatencyHistogram holdTime = new LatencyHistogram();
    private final Diagnostics diagnostics;

    FairPool(PoolConfig config, ResourceFactory<R> factory) {
        if (config == null || factory == null) {
            throw new NullPointerException(config == null ? "config must not be null" : "factory must not be null");
        }
        this.config = config;
        this.factory = factory;
        this.name = config.name();
        this.validateAfterIdleNanos = config.validateAfterIdle().toNanos();
        this.acquireTimeoutNanos = nanos(config.acquireTimeout());
        this.diagnostics = new Diagnostics(config);
        this.table = new EntryTable<>(config.maxSize(), config.minIdle());
        this.queue = new WaitQueue<>(table);
        this.deadlines = new Deadlines(name, queue, acquireTimeoutNanos);
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "berth-" + name + "-housekeeper");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        long period = config.housekeepingPeriod().toNanos();
        scheduler.scheduleWithFixedDelay(this::housekeep, period, period, TimeUnit.NANOSECONDS);
        if (diagnostics.leakNanos > 0) {
            long scan = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(period, diagnostics.leakNanos / 2));
            scheduler.scheduleWithFixedDelay(this::scanHolders, scan, scan, TimeUnit.NANOSECONDS);
        }
        long reportEvery = config.reportInterval().toNanos();
        if (reportEvery > 0) {
            scheduler.scheduleWithFixedDelay(
                    () -> LOG.log(Level.INFO, () -> stats().toString()), reportEvery, reportEvery, TimeUnit.NANOSECONDS);
        }
        deadlines.start();
        fill();
    }

    // ---------------------------------------------------------------- acquire

    @Override
    public Lease<R> acquire() throws InterruptedException {
        return acquireWithin(acquireTimeoutNanos);
    }

    @Override
    public Lease<R> acquire(Duration timeout) throws InterruptedException {
        if (timeout == null) {
            throw new NullPointerException("timeout must not be null; use acquire() for the pool's acquireTimeout");
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout is " + timeout + " but must not be negative; use Duration.ZERO"
                    + " to take a resource only if one is free now");
        }
        return acquireWithin(nanos(timeout));
    }

    private static final Duration FOREVER = Duration.ofNanos(Waiter.FOREVER);

    /** A timeout in nanoseconds, at most {@link Waiter#FOREVER} (Duration.toNanos throws beyond 292 years). */
    private static long nanos(Duration timeout) {
        return timeout.compareTo(FOREVER) >= 0 ? Waiter.FOREVER : timeout.toNanos();
    }

    private Lease<R> acquireWithin(long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Math.clamp(timeoutNanos, 0, Waiter.FOREVER);
        while (true) {
            if (closed) {
                throw closedException();
            }
            PooledEntry<R> entry = queue.fifo() ? null : table.claimIdle();
            if (entry != null) {
                if (usable(entry, start)) {
                    return lend(entry, start, start);
                }
                continue;
            }
            entry = await(start, deadline);
            long now = System.nanoTime();
            if (usable(entry, now)) {
                return lend(entry, start, now);
            }
        }
    }

    private PooledEntry<R> await(long start, long deadline) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before waiting for pool '" + name + "'");
        }
        Waiter.Parked waiter = new Waiter.Parked(start, deadline, Thread.currentThread());
        enqueue(waiter);
        boolean interrupted = false;
        boolean woken = false;
        boolean watched = false;
        while (waiter.result() == null) {
            waiter.looking(); // a volatile write, so the look below cannot miss an entry published before a skipped wake
            if (queue.fifo()) {
                queue.drain();
            } else {
                PooledEntry<R> entry = table.claimIdle();
                if (entry != null) {
                    if (waiter.cancel()) {
                        queue.withdrawn();
                        queue.passOn();
                        return entry;
                    }
                    publishIdle(entry); // something was handed over meanwhile: take that instead
                } else if (woken) {
                    waiter.missed();
                }
            }
            if (waiter.result() != null) {
                break;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            if (!watched) {
                deadlines.watch(deadline); // after enqueue (see Deadlines), and only if we really sleep
                watched = true;
            }
            LockSupport.park(this); // no timeout: Deadlines wakes us (a timed park costs a virtual thread two timer wake-ups)
            woken = true;
            if (Thread.interrupted()) {
                interrupted = true;
                break;
            }
        }
        if (waiter.cancel()) {
            queue.withdrawn();
            queue.passOn(); // we may have been woken for an idle entry we will not take: wake the next waiter
            if (interrupted) {
                throw new InterruptedException("interrupted while waiting for pool '" + name + "'");
            }
            timeouts.incrementAndGet();
            throw timeoutException(System.nanoTime() - start);
        }
        Object result = waiter.result();
        if (result instanceof PooledEntry<?> e) {
            @SuppressWarnings("unchecked")
            PooledEntry<R> entry = (PooledEntry<R>) e;
            if (interrupted) {
                // Handed over at the moment we were interrupted: give it back, honour the interrupt.
                giveBack(entry, System.nanoTime());
                throw new InterruptedException("interrupted while waiting for pool '" + name + "'");
            }
            return entry;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        throw rethrowable((Throwable) result);
    }

    @Override
    public CompletableFuture<Lease<R>> acquireAsync() {
        long start = System.nanoTime();
        long deadline = start + acquireTimeoutNanos;
        CompletableFuture<Lease<R>> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(closedException());
            return future;
        }
        PooledEntry<R> entry = queue.fifo() ? null : table.claimIdle();
        if (entry != null) {
            if (!needsCheck(entry, start)) {
                future.complete(lend(entry, start, start));
            } else {
                Thread.ofVirtual().start(() -> deliverAsync(entry, future, start, deadline));
            }
            return future;
        }
        waitAsync(future, start, deadline);
        return future;
    }

    private void waitAsync(CompletableFuture<Lease<R>> future, long start, long deadline) {
        if (deadline - System.nanoTime() <= 0) {
            timeouts.incrementAndGet();
            future.completeExceptionally(timeoutException(System.nanoTime() - start));
            return;
        }
        AsyncWaiter waiter = new AsyncWaiter(start, deadline, future);
        future.whenComplete((lease, failure) -> {
            if (future.isCancelled() && waiter.cancel()) {
                queue.withdrawn();
                queue.passOn();
            }
        });
        enqueue(waiter);
        deadlines.watch(deadline);
        if (queue.fifo()) {
            queue.drain();
        } else {
            waiter.wake();
        }
    }

    /** A future waiting in the queue; handed-over entries are delivered on a virtual thread, never on the releaser's. */
    private final class AsyncWaiter extends Waiter {
        private final CompletableFuture<Lease<R>> future;

        AsyncWaiter(long start, long deadline, CompletableFuture<Lease<R>> future) {
            super(start, deadline);
            this.future = future;
        }

        @Override
        void expire() {
            if (cancel()) {
                queue.withdrawn();
                queue.passOn();
                timeouts.incrementAndGet();
                long waited = System.nanoTime() - start;
                // Off the deadlines thread: the future's dependants are the caller's code and may block.
                Thread.ofVirtual().name("berth-" + name + "-timeout")
                        .start(() -> future.completeExceptionally(timeoutException(waited)));
            }
        }

        /** Nobody runs for a future: waking it means trying to serve it an idle entry right here. */
        @Override
        void wake() {
            PooledEntry<R> entry = table.claimIdle();
            if (entry == null) {
                missed();
            } else if (!queue.serve(this, entry)) {
                publishIdle(entry);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        void completed(Object value) {
            if (value instanceof PooledEntry<?> e) {
                Thread.ofVirtual().start(() -> deliverAsync((PooledEntry<R>) e, future, start, deadline));
            } else {
                future.completeExceptionally((Throwable) value);
            }
        }
    }

    private void deliverAsync(PooledEntry<R> entry, CompletableFuture<Lease<R>> future, long start, long deadline) {
        long now = System.nanoTime();
        if (usable(entry, now)) {
            Lease<R> lease = lend(entry, start, now);
            if (!future.complete(lease)) {
                lease.close(); // cancelled meanwhile: the resource goes back, never lost
            }
        } else if (!future.isDone()) {
            waitAsync(future, start, deadline);
        }
    }

    /** Makes the lease for an entry the caller now owns, recording wait time and holder. */
    private PooledLease<R> lend(PooledEntry<R> entry, long start, long now) {
        long wait = now - start;
        entry.waits.record(wait);
        diagnostics.acquired(wait);
        PooledLease<R> lease = new PooledLease<>(this, entry, now, diagnostics.recordSite(entry, now));
        entry.holder = lease;
        return lease;
    }

    private void enqueue(Waiter waiter) {
        int queued = queue.add(waiter);
        if (table.slotsInUse() >= config.maxSize()) {
            diagnostics.waiterQueued(queued); // waiting for a creation is not saturation
        }
        if (closed) {
            queue.failAll(closedException());
            return;
        }
        requestCreation();
    }

    /** Checks age and, after an idle window, health; retires the entry and returns false when it is not fit to lend. */
    private boolean usable(PooledEntry<R> entry, long now) {
        if (entry.expired(now)) {
            retire(entry, "expired");
            return false;
        }
        if (now - entry.lastReturned > validateAfterIdleNanos && now - entry.lastValidated > validateAfterIdleNanos) {
            if (!validate(entry)) {
                retire(entry, "invalid");
                return false;
            }
            entry.lastValidated = System.nanoTime();
        }
        return true;
    }

    private boolean needsCheck(PooledEntry<R> entry, long now) {
        return entry.expired(now)
                || (now - entry.lastReturned > validateAfterIdleNanos && now - entry.lastValidated > validateAfterIdleNanos);
    }

    private boolean validate(PooledEntry<R> entry) {
        boolean valid;
        try {
            valid = factory.validate(entry.resource, config.validationTimeout());
        } catch (Exception e) {
            LOG.log(Level.DEBUG, () -> "pool '" + name + "': validation failed: " + e);
            valid = false;
        }
        if (!valid) {
            diagnostics.validationFailed();
        }
        return valid;
    }

    // ---------------------------------------------------------------- release

    void release(PooledLease<R> lease, long now) {
        long hold = now - lease.start;
        PooledEntry<R> entry = lease.entry;
        entry.holds.record(hold);
        entry.forget(lease); // before the entry can be lent again
        diagnostics.released(lease, hold, now);
        if (lease.broken() || closed || entry.expired(now) || entry.state() == PooledEntry.REMOVED) {
            retire(entry, lease.broken() ? "broken" : closed ? "closed" : "expired");
            return;
        }
        try {
            factory.reset(entry.resource);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, () -> "pool '" + name + "': reset failed, destroying the resource: " + e);
            retire(entry, "reset failed");
            return;
        }
        giveBack(entry, now);
    }

    /** Passes an entry its holder is done with to the oldest waiter, or publishes it idle. */
    private void giveBack(PooledEntry<R> entry, long now) {
        entry.lastReturned = now;
        if (queue.fifo() && queue.count() > 0 && queue.handOff(entry)) {
            return;
        }
        publishIdle(entry);
    }

    /** Makes an entry the caller owns idle, serves anyone who queued meanwhile, and retires it if the pool closed. */
    private void publishIdle(PooledEntry<R> entry) {
        entry.setIdle();
        if (queue.count() > 0) {
            queue.signal();
        }
        if (closed && entry.claim(PooledEntry.IDLE, PooledEntry.LEASED)) {
            retire(entry, "closed");
        }
    }

    // ---------------------------------------------------------------- creation

    /** Starts creations while callers wait for more than are being created, or idle entries are below minIdle. */
    private void requestCreation() {
        while (!closed) {
            int inFlight = creating.get();
            if (inFlight >= config.createConcurrency() || !wantsMore(inFlight)) {
                return;
            }
            if (!creating.compareAndSet(inFlight, inFlight + 1)) {
                continue;
            }
            if (!table.reserveSlot()) {
                creating.decrementAndGet();
                return;
            }
            startWorker("create", this::createOne);
        }
    }

    private boolean wantsMore(int inFlight) {
        // an entry housekeeping is checking is not missing: counting it out would create a spare (then evicted)
        return queue.count() > inFlight || table.restingCount() + inFlight < config.minIdle();
    }

    private void createOne() {
        long attemptStart = System.nanoTime();
        R resource;
        try {
            resource = factory.create();
            if (resource == null) {
                throw new IllegalStateException("ResourceFactory.create() returned null");
            }
        } catch (Throwable t) {
            creationFailed(t, attemptStart);
            return;
        }
        created.incrementAndGet();
        diagnostics.created();
        if (failureStreak.getAndSet(0) > 0) {
            LOG.log(Level.INFO, () -> "pool '" + name + "' creates resources again");
        }
        long now = System.nanoTime();
        long lifetime = config.maxLifetime().toNanos();
        if (lifetime > 0) {
            long jitter = config.lifetimeJitter().toNanos();
            lifetime -= jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter) : 0;
        }
        PooledEntry<R> entry = new PooledEntry<>(resource, now, lifetime, acquireWait, holdTime);
        table.add(entry);
        diagnostics.grew(table.snapshot().length, config.minIdle());
        if (closed) {
            creating.decrementAndGet();
            retire(entry, "closed");
            return;
        }
        // A new entry was made for whoever waits: hand it over directly, and only then stop counting the
        // creation as in flight, so no other thread sees "a waiter and nothing in flight" and creates again.
        if (!(queue.count() > 0 && queue.handOff(entry))) {
            publishIdle(entry);
        }
        creating.decrementAndGet();
        requestCreation();
    }

    private void creationFailed(Throwable failure, long attemptStart) {
        creationFailures.incrementAndGet();
        lastCreationFailure = failure;
        diagnostics.creationFailed(failure);
        creating.decrementAndGet();
        table.freeSlot();
        logCreationFailure(failure);
        if (table.slotsInUse() == 0) {
            // Nothing exists that could be returned to them: fail the waiters now, with the cause.
            // Only those who were already waiting when this attempt started; later ones get an attempt of their own.
            PoolException error = new PoolException("pool '" + name + "' has no resources and could not create one: "
                    + failure + ". Check that the server is reachable and the credentials are right.", failure);
            queue.failOlderThan(attemptStart, error);
            requestCreation();
        } else {
            // Others are leased and will come back; waiters keep waiting and time out with this cause.
            LockSupport.parkNanos(Math.min(config.acquireTimeout().toNanos() / 4, TimeUnit.SECONDS.toNanos(1)));
            requestCreation();
        }
    }

    /** The first failure of a streak is a WARNING; repeats are summarised at most every 30 s, not one line each. */
    private void logCreationFailure(Throwable failure) {
        long now = System.nanoTime();
        long streak = failureStreak.incrementAndGet();
        long last = lastFailureLog;
        if (streak == 1 || now - last >= FAILURE_LOG_NANOS) {
            lastFailureLog = now;
            LOG.log(Level.WARNING, () -> "pool '" + name + "' could not create a resource"
                    + (streak > 1 ? " (" + streak + " failures in a row)" : "") + ": " + failure);
        } else {
            LOG.log(Level.DEBUG, () -> "pool '" + name + "' could not create a resource: " + failure);
        }
    }

    // ---------------------------------------------------------------- destruction

    /** Removes an entry the caller owns from the pool and destroys its resource off the caller's path. */
    private void retire(PooledEntry<R> entry, String reason) {
        if (!entry.remove()) {
            return;
        }
        table.remove(entry);
        acquireWait.retire(entry.waits);
        holdTime.retire(entry.holds);
        startWorker("destroy", () -> destroy(entry, reason));
    }

    /** Frees a slot once its resource is gone for good, so the pool never holds more than maxSize resources. */
    private void slotFreed() {
        table.freeSlot();
        if (!closed) {
            requestCreation();
        }
    }

    private void destroy(PooledEntry<R> entry, String reason) {
        diagnostics.destroyed(reason, System.nanoTime() - entry.createdAt);
        try {
            factory.destroy(entry.resource);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, () -> "pool '" + name + "': destroying a resource failed: " + t);
        } finally {
            destroyed.incrementAndGet();
            slotFreed();
        }
    }

    private void startWorker(String what, Runnable task) {
        Thread worker = Thread.ofVirtual().name("berth-" + name + "-" + what).unstarted(() -> {
            try {
                task.run();
            } finally {
                workers.remove(Thread.currentThread());
            }
        });
        workers.add(worker); // before start, so close() cannot miss it
        worker.start();
    }

    // ---------------------------------------------------------------- housekeeping

    private void fill() {
        requestCreation();
    }

    /** Retires expired and surplus idle entries, validates idle ones due for keepalive, refills to minIdle. */
    void housekeep() {
        if (closed) {
            return;
        }
        try {
            long now = System.nanoTime();
            long idleTimeout = config.idleTimeout().toNanos();
            long keepalive = config.keepaliveTime().toNanos();
            int idle = table.idleCount();
            for (PooledEntry<R> entry : table.snapshot()) {
                if (!entry.claim(PooledEntry.IDLE, PooledEntry.RESERVED)) {
                    continue;
                }
                boolean surplus = idle > config.minIdle();
                if (entry.expired(now)) {
                    idle--;
                    retire(entry, "expired");
                } else if (surplus && idleTimeout > 0 && now - entry.lastReturned >= idleTimeout) {
                    idle--;
                    retire(entry, "idle");
                } else if (keepalive > 0 && now - entry.lastValidated >= keepalive) {
                    if (validate(entry)) {
                        entry.lastValidated = System.nanoTime();
                        publishIdle(entry);
                    } else {
                        idle--;
                        retire(entry, "invalid");
                    }
                } else {
                    publishIdle(entry);
                }
            }
            scanHolders();
            diagnostics.endSaturationIfIdle(queue.count(), timeouts.get());
            diagnostics.endOverflowIfShrunk(table.snapshot().length, config.minIdle());
            requestCreation();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, () -> "pool '" + name + "': housekeeping failed: " + t);
        }
    }

    /** Reports long holds and reclaims entries whose lease was dropped without close. */
    private void scanHolders() {
        for (PooledEntry<R> dropped : diagnostics.scanHolders(table.snapshot(), System.nanoTime())) {
            retire(dropped, "leaked");
        }
    }

    @Override
    public PoolReport report() {
        Throwable failure = lastCreationFailure;
        return new PoolReport(stats(), failure == null ? null : failure.toString(),
                Diagnostics.describe(Diagnostics.longestHolders(table.snapshot(), PoolReport.MAX_HOLDERS), System.nanoTime()));
    }

    // ---------------------------------------------------------------- reporting

    @Override
    public PoolStats stats() {
        PooledEntry<R>[] entries = table.snapshot();
        List<LatencyHistogram.Recorder> waits = new ArrayList<>(entries.length);
        List<LatencyHistogram.Recorder> holds = new ArrayList<>(entries.length);
        for (PooledEntry<R> entry : entries) {
            waits.add(entry.waits);
            holds.add(entry.holds);
        }
        return snapshot(acquireWait.snapshot(waits), holdTime.snapshot(holds));
    }

    /** Sizes and counters without the percentiles: cheap enough for every timeout message. */
    private PoolStats counts() {
        return snapshot(NO_PERCENTILES, NO_PERCENTILES);
    }

    private static final PoolStats.Percentiles NO_PERCENTILES =
            new PoolStats.Percentiles(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    private PoolStats snapshot(PoolStats.Percentiles waits, PoolStats.Percentiles holds) {
        int idle = 0;
        int leased = 0;
        PooledEntry<R>[] snapshot = table.snapshot();
        for (PooledEntry<R> entry : snapshot) {
            switch (entry.state()) {
                case PooledEntry.IDLE, PooledEntry.RESERVED -> idle++;
                case PooledEntry.LEASED -> leased++;
                default -> { }
            }
        }
        return new PoolStats(name, idle + leased, idle, leased, Math.max(0, queue.count()), config.maxSize(),
                created.get(), destroyed.get(), waits.count(), timeouts.get(),
                creationFailures.get(), waits, holds);
    }

    private PoolTimeoutException timeoutException(long waitedNanos) {
        Throwable cause = lastCreationFailure;
        PoolStats counts = counts();
        long now = System.nanoTime();
        List<Holder> longest = Diagnostics.longestHolders(table.snapshot(), PoolReport.MAX_HOLDERS);
        java.util.function.Supplier<PoolReport> report = () -> new PoolReport(counts,
                cause == null ? null : cause.toString(), Diagnostics.describe(longest, now));
        diagnostics.timedOut(report, counts, waitedNanos);
        return new PoolTimeoutException(() -> "no free resource within " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
                + " ms in " + report.get()
                + "\nLeases are held too long or too many callers compete: shorten the work done while holding a lease,"
                + " look for leases that are never closed, or raise maxSize.", cause);
    }

    private PoolClosedException closedException() {
        return new PoolClosedException("pool '" + name + "' is closed; no new leases can be taken");
    }

    private static RuntimeException rethrowable(Throwable failure) {
        if (failure instanceof PoolException p) {
            // A fresh exception per caller, so stack traces point at the caller and are not shared.
            PoolException copy = p instanceof PoolClosedException
                    ? new PoolClosedException(p.getMessage())
                    : new PoolException(p.getMessage(), p.getCause());
            return copy;
        }
        return new PoolException("acquire failed: " + failure, failure);
    }

    @Override
    public Scope<R> scope() {
        return new Scope<>() {
            private Lease<R> lease;

            @Override
            public R enter() throws Exception {
                if (lease != null) {
                    throw new IllegalStateException("this pool scope was already entered; call pool.scope() again");
                }
                lease = acquire();
                return lease.get();
            }

            @Override
            public boolean exit(Throwable failure) {
                lease.close();
                return false;
            }
        };
    }

    @Override
    public PoolConfig config() {
        return config;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Pool{" + stats().toString().lines().findFirst().orElse(name) + '}';
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        scheduler.shutdownNow();
        queue.failAll(closedException());
        boolean interrupted = false;
        try {
            deadlines.stop(config.validationTimeout());
        } catch (InterruptedException e) {
            interrupted = true;
        }
        try {
            // A housekeeping run may hold entries for validation; let it finish before sweeping.
            scheduler.awaitTermination(config.validationTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        for (PooledEntry<R> entry : table.snapshot()) {
            if (entry.claim(PooledEntry.IDLE, PooledEntry.LEASED)) {
                retire(entry, "closed");
            }
        }
        long deadline = System.nanoTime() + config.closeGrace().toNanos();
        try {
            table.awaitEmpty(deadline);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        List<PooledEntry<R>> stillLeased = new ArrayList<>(Arrays.asList(table.snapshot()));
        if (!stillLeased.isEmpty()) {
            LOG.log(Level.WARNING, () -> "pool '" + name + "' closed with " + stillLeased.size()
                    + " lease(s) not returned within closeGrace " + config.closeGrace() + "; destroying them");
            stillLeased.forEach(entry -> retire(entry, "closed"));
        }
        interrupted |= joinWorkers(deadline + config.validationTimeout().toNanos());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean joinWorkers(long deadline) {
        boolean interrupted = false;
        while (!workers.isEmpty()) {
            for (Thread worker : List.copyOf(workers)) {
                long remaining = deadline - System.nanoTime();
                try {
                    if (remaining <= 0 || !worker.join(Duration.ofNanos(remaining))) {
                        worker.interrupt();
                        worker.join(Duration.ofSeconds(1));
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                workers.remove(worker);
            }
        }
        return interrupted;
    }
}
