package dev.berth.pool;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything a pool does besides lending and taking back: creating resources (off the caller's path, at most
 * {@code createConcurrency} at a time), validating them, destroying them, and the periodic work (age and idle
 * eviction, keepalive, leak scans, refill to {@code minIdle}) on one platform thread named
 * {@code berth-<pool>-housekeeper}. Creations and destructions run on virtual threads it tracks, so close can
 * wait for them.
 *
 * <p>Nothing here runs under a lock. An entry it works on is one it owns: freshly created, claimed from
 * {@link PooledEntry#IDLE} to {@link PooledEntry#RESERVED} for a check, or handed over for retirement.
 */
final class Housekeeper<R> {
    private static final System.Logger LOG = System.getLogger("dev.berth.pool");
    private static final long FAILURE_LOG_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** The pause after the first failed creation of a streak; it doubles with each further failure. */
    static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The longest pause between failed creations, whatever the acquire timeout. */
    static final long BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The settings now: a running pool may change them ({@link #reconfigure}). */
    private volatile PoolConfig config;
    private final ResourceFactory<R> factory;
    private final String name;
    private final EntryTable<R> table;
    private final WaitQueue<R> queue;
    private final Diagnostics diagnostics;
    private final Counters<R> counters;

    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger creating = new AtomicInteger();
    private volatile long lastFailureLog;
    /** No creation starts before this {@code System.nanoTime()}: the backoff after a failed one. */
    private volatile long backoffUntil = System.nanoTime();
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    /** The periodic tasks of the current settings, cancelled and scheduled again when their periods change. */
    private final List<Future<?>> periodic = new java.util.ArrayList<>();
    /**
     * A creation that started at or before this {@code System.nanoTime()} is retired when it finishes ({@link #evict()});
     * before the first eviction it lies before anything the pool made. Entries that exist carry a mark instead.
     */
    private volatile long evictBefore = System.nanoTime() - 1;

    Housekeeper(PoolConfig config, ResourceFactory<R> factory, EntryTable<R> table, WaitQueue<R> queue,
            Diagnostics diagnostics, Counters<R> counters) {
        this.config = config;
        this.factory = factory;
        this.name = config.name();
        this.table = table;
        this.queue = queue;
        this.diagnostics = diagnostics;
        this.counters = counters;
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "berth-" + name + "-housekeeper");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Schedules the periodic work and starts filling the pool to {@code minIdle}. */
    void start() {
        long quietCheck = Diagnostics.SATURATION_QUIET_NANOS / 4;
        scheduler.scheduleWithFixedDelay(this::endSaturationIfQuiet, quietCheck, quietCheck, TimeUnit.NANOSECONDS);
        schedulePeriodic();
        requestCreation();
    }

    /** (Re)schedules the work whose period is a setting: housekeeping, leak scans, the state report. */
    private synchronized void schedulePeriodic() {
        periodic.forEach(task -> task.cancel(false));
        periodic.clear();
        PoolConfig settings = config;
        long period = settings.housekeepingPeriod().toNanos();
        try {
            periodic.add(scheduler.scheduleWithFixedDelay(this::housekeep, period, period, TimeUnit.NANOSECONDS));
            long leak = settings.leakDetectionThreshold().toNanos();
            if (leak > 0) {
                long scan = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(period, leak / 2));
                periodic.add(scheduler.scheduleWithFixedDelay(this::scanHolders, scan, scan, TimeUnit.NANOSECONDS));
            }
            long reportEvery = settings.reportInterval().toNanos();
            if (reportEvery > 0) {
                periodic.add(scheduler.scheduleWithFixedDelay(
                        () -> LOG.log(Level.INFO, () -> counters.stats().toString()), reportEvery, reportEvery, TimeUnit.NANOSECONDS));
            }
        } catch (RejectedExecutionException closing) {
            // the pool is closing: nothing periodic is wanted any more
        }
    }

    /**
     * Takes new settings on a running pool: periodic work moves to its new periods, idle entries above a lowered
     * maximum are retired now (leased ones when they come back, see {@link #retireIfSurplus}), and creation starts
     * at once for callers waiting on a raised maximum or for a raised {@code minIdle}.
     */
    void reconfigure(PoolConfig next) {
        PoolConfig previous = config;
        config = next;
        if (!previous.housekeepingPeriod().equals(next.housekeepingPeriod())
                || !previous.leakDetectionThreshold().equals(next.leakDetectionThreshold())
                || !previous.reportInterval().equals(next.reportInterval())) {
            schedulePeriodic();
        }
        trimToMaximum();
        requestCreation();
    }

    /** Retires idle entries while the pool holds more than its (lowered) maximum; the newest first. */
    private void trimToMaximum() {
        PooledEntry<R>[] entries = table.snapshot();
        for (int i = entries.length - 1; i >= 0 && table.overMaximum(); i--) {
            PooledEntry<R> entry = entries[i];
            if (entry.claim(PooledEntry.IDLE, PooledEntry.RESERVED) && !retireIfSurplus(entry)) {
                queue.makeIdle(entry);
            }
        }
    }

    // ---------------------------------------------------------------- creation

    /** Starts creations while callers wait for more than are being created, or idle entries are below minIdle. */
    void requestCreation() {
        while (!queue.closed() && !queue.suspended()) {
            int inFlight = creating.get();
            // Read after the count, on every turn: a failed attempt sets its pause before it gives its slot back, so
            // whoever sees the slot free sees the pause too (and the CAS below fails if the count moved meanwhile).
            long pause = backoffUntil - System.nanoTime();
            if (pause > 0) {
                retryAfter(pause);
                return;
            }
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

    /** Asks again once the backoff is over; one retry scheduled at a time, however many callers asked meanwhile. */
    private void retryAfter(long pauseNanos) {
        if (!queue.closed() && retryScheduled.compareAndSet(false, true)) {
            try {
                scheduler.schedule(() -> {
                    retryScheduled.set(false);
                    requestCreation();
                }, pauseNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                retryScheduled.set(false);
            }
        }
    }

    private boolean wantsMore(int inFlight) {
        // an entry housekeeping is checking is not missing: counting it out would create a spare (then evicted)
        return queue.count() > inFlight || table.restingCount() + inFlight < config.minIdle();
    }

    private void createOne() {
        long attemptStart = System.nanoTime();
        Attempt attempt = new Attempt(Thread.currentThread());
        counters.creationStarted(attempt.worker, attemptStart);
        Future<?> deadline = scheduleDeadline(attempt, attemptStart);
        R resource;
        try {
            resource = factory.create();
            if (resource == null) {
                throw new IllegalStateException("ResourceFactory.create() returned null");
            }
        } catch (Throwable t) {
            deadline.cancel(false);
            if (attempt.finish()) {
                counters.creationEnded(attempt.worker);
                creationFailed(t, attemptStart);
            } else {
                abandonedAttemptEnded(null);
            }
            return;
        }
        deadline.cancel(false);
        if (!attempt.finish()) {
            abandonedAttemptEnded(resource);
            return;
        }
        counters.creationEnded(attempt.worker);
        counters.created.incrementAndGet();
        diagnostics.created(System.nanoTime() - attemptStart);
        backoffUntil = System.nanoTime(); // a success ends the streak's backoff
        if (counters.failureStreak.getAndSet(0) > 0) {
            LOG.log(Level.INFO, () -> "pool '" + name + "' creates resources again");
        }
        long now = System.nanoTime();
        PoolConfig settings = config; // once: the lifetime and its jitter from the same settings
        long lifetime = settings.maxLifetime().toNanos();
        if (lifetime > 0) {
            long jitter = settings.lifetimeJitter().toNanos();
            lifetime -= jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter) : 0;
        }
        PooledEntry<R> entry = new PooledEntry<>(resource, now, lifetime, counters.acquireWait, counters.holdTime);
        if (!table.addIfRoom(entry)) {
            // the maximum was lowered while it was being made, and the pool holds as many as it now may
            creating.decrementAndGet();
            retire(entry, "shrunk");
            return;
        }
        diagnostics.grew(table.snapshot().length, config.minIdle());
        if (queue.closed() || attemptStart - evictBefore <= 0) {
            // closed, or evicted while it was being made (it may speak to the server the eviction was about)
            creating.decrementAndGet();
            retire(entry, queue.closed() ? "closed" : "evicted");
            return;
        }
        // A new entry was made for whoever waits: hand it over directly, and only then stop counting the
        // creation as in flight, so no other thread sees "a waiter and nothing in flight" and creates again.
        if (!(queue.count() > 0 && queue.handOff(entry))) {
            queue.makeIdle(entry);
        }
        creating.decrementAndGet();
        requestCreation();
    }

    /**
     * One creation's outcome, decided once: the worker finishing it (with a resource or a failure) or the deadline
     * abandoning it, whichever comes first.
     */
    private static final class Attempt {
        private static final int RUNNING = 0, FINISHED = 1, ABANDONED = 2;
        final Thread worker;
        private final AtomicInteger state = new AtomicInteger(RUNNING);

        Attempt(Thread worker) {
            this.worker = worker;
        }

        boolean finish() {
            return state.compareAndSet(RUNNING, FINISHED);
        }

        boolean abandon() {
            return state.compareAndSet(RUNNING, ABANDONED);
        }
    }

    private Future<?> scheduleDeadline(Attempt attempt, long attemptStart) {
        try {
            // on a worker, not the housekeeper thread: failing waiters completes their futures, whose callbacks may block
            return scheduler.schedule(() -> startWorker("abandon", () -> abandon(attempt, attemptStart)),
                    config.createTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            return CompletableFuture.completedFuture(null); // closing: close interrupts the worker instead
        }
    }

    /**
     * The deadline of an attempt passed: the attempt counts as failed now, its creation slot goes to a new attempt,
     * and its worker is interrupted (a virtual thread blocked on a socket has the socket closed). Its place in the
     * table stays taken until the worker returns, so a driver that ignores the interrupt cannot push the pool past
     * maxSize.
     */
    private void abandon(Attempt attempt, long attemptStart) {
        if (!attempt.abandon()) {
            return;
        }
        attempt.worker.interrupt();
        counters.creationEnded(attempt.worker);
        long millis = config.createTimeout().toMillis();
        failed(new PoolException("pool '" + name + "' abandoned a creation that took longer than createTimeout (" + millis
                + " ms): the server accepted no connection or did not answer in time. Check that it is reachable (a network"
                + " partition or a server that accepts connections and never answers look like this), or raise createTimeout"
                + " if connecting is legitimately that slow", null), attemptStart);
        requestCreation();
    }

    /** The worker of an abandoned attempt came back: destroys what it made, frees its place, and lets others create. */
    private void abandonedAttemptEnded(R lateResource) {
        Thread.interrupted(); // the deadline's interrupt, if the driver did not consume it
        try {
            if (lateResource != null) {
                LOG.log(Level.DEBUG, () -> "pool '" + name + "': an abandoned creation finished late; its resource is destroyed");
                factory.destroy(lateResource);
            }
        } catch (Throwable t) {
            LOG.log(Level.WARNING, () -> "pool '" + name + "': destroying a late resource failed: " + t);
        } finally {
            table.freeSlot();
            requestCreation();
        }
    }

    /**
     * A failed attempt: frees its place, tells the waiters when nothing could serve them, and holds the next attempt
     * back, 10 ms after the first failure of a streak, doubling up to a quarter of the acquire timeout or 1 s,
     * whichever is less. A server that refuses (a wrong password, a rotated one) then sees about one login a second
     * from an idle pool, not hundreds, while a caller still learns why within that pause and one attempt.
     */
    private void creationFailed(Throwable failure, long attemptStart) {
        // the pause is in place before failed() frees the creation slot, so no other caller's request slips past it
        long streak = counters.failureStreak.get() + 1; // this failure's place in the streak, counted in failed()
        long cap = Math.min(config.acquireTimeout().toNanos() / 4, BACKOFF_MAX_NANOS);
        backoffUntil = System.nanoTime() + Math.min(cap, BACKOFF_BASE_NANOS << Math.min(streak - 1, 20));
        table.freeSlot();
        failed(failure, attemptStart);
        requestCreation();
    }

    /**
     * Counts and logs a failed attempt and gives up its creation slot. When nothing exists or is being made that
     * could serve them ({@link #somethingCouldServe()}), fails the waiters now, with the cause, and returns true.
     */
    private boolean failed(Throwable failure, long attemptStart) {
        counters.creationFailures.incrementAndGet();
        counters.lastCreationFailure = failure;
        diagnostics.creationFailed(failure);
        creating.decrementAndGet();
        logCreationFailure(failure);
        if (somethingCouldServe()) {
            return false;
        }
        // Only those who were already waiting when this attempt started; later ones get an attempt of their own.
        PoolException error = new PoolException("pool '" + name + "' has no resource it can lend and could not create one: "
                + failure + ". Check that the server is reachable and the credentials are right.", failure);
        queue.failOlderThan(attemptStart, error);
        return true;
    }

    /**
     * Whether a waiter could still be served without a new creation succeeding: a creation under way that was not
     * abandoned, or an entry that is not evicted (idle, or leased and coming back). An evicted entry is destroyed when
     * it comes back, never lent, so it does not count: waiters are not held until their timeout for it.
     */
    private boolean somethingCouldServe() {
        if (creating.get() > 0) {
            return true; // counted until its entry is in the table, so nothing falls between the two
        }
        for (PooledEntry<R> entry : table.snapshot()) {
            if (!entry.evicted()) {
                return true;
            }
        }
        return false;
    }

    /** The first failure of a streak is a WARNING; repeats are summarised at most every 30 s, not one line each. */
    private void logCreationFailure(Throwable failure) {
        long now = System.nanoTime();
        long streak = counters.failureStreak.incrementAndGet();
        long last = lastFailureLog;
        if (streak == 1 || now - last >= FAILURE_LOG_NANOS) {
            lastFailureLog = now;
            LOG.log(Level.WARNING, () -> "pool '" + name + "' could not create a resource"
                    + (streak > 1 ? " (" + streak + " failures in a row)" : "") + ": " + failure);
        } else {
            LOG.log(Level.DEBUG, () -> "pool '" + name + "' could not create a resource: " + failure);
        }
    }

    // ---------------------------------------------------------------- validation

    /** Asks the factory whether a resource the caller owns still works; a failure to answer counts as no. */
    boolean validate(PooledEntry<R> entry) {
        entry.clearSuspect(); // before asking: a revalidate() during the check marks it again
        boolean valid;
        try {
            valid = factory.validate(entry.resource, config.validationTimeout());
        } catch (Exception e) {
            LOG.log(Level.DEBUG, () -> "pool '" + name + "': validation failed: " + e);
            valid = false;
        }
        if (valid) {
            entry.lastValidated = System.nanoTime();
        } else {
            diagnostics.validationFailed();
        }
        return valid;
    }

    // ---------------------------------------------------------------- eviction

    /**
     * Marks every entry evicted and retires the idle ones now; the others are retired when returned, or when claimed
     * if a return raced the sweep (borrow checks the mark too). A creation under way is retired when it finishes.
     */
    void evict() {
        evictBefore = System.nanoTime();
        for (PooledEntry<R> entry : table.snapshot()) {
            entry.markEvicted(); // before the claim: a return that misses the mark leaves it to the next borrow
            if (entry.claim(PooledEntry.IDLE, PooledEntry.RESERVED)) {
                retire(entry, "evicted");
            }
        }
        requestCreation();
    }

    /**
     * Marks every entry suspect and validates the idle ones now, each on its own worker so a dead server costs one
     * {@code validationTimeout}, not one per entry; the others are validated when next borrowed.
     */
    void revalidate() {
        for (PooledEntry<R> entry : table.snapshot()) {
            entry.markSuspect(); // before the claim: a borrow that wins the entry sees the mark and validates
            if (entry.claim(PooledEntry.IDLE, PooledEntry.RESERVED)) {
                startWorker("validate", () -> {
                    if (entry.evicted() || !validate(entry)) {
                        retire(entry, entry.evicted() ? "evicted" : "invalid");
                    } else {
                        queue.makeIdle(entry);
                    }
                });
            }
        }
    }

    // ---------------------------------------------------------------- destruction

    /** Removes an entry the caller owns from the pool and destroys its resource off the caller's path. */
    void retire(PooledEntry<R> entry, String reason) {
        if (!entry.remove()) {
            return;
        }
        table.remove(entry);
        dispose(entry, reason);
    }

    /**
     * Retires an entry the caller owns if the pool holds more than its maximum, lowered on a running pool: true
     * then, and the caller must forget it. Checked and taken out under the table's lock, so however many holders
     * return at once, no more leave than the surplus.
     */
    boolean retireIfSurplus(PooledEntry<R> entry) {
        if (!table.removeIfSurplus(entry)) {
            return false;
        }
        if (entry.remove()) {
            dispose(entry, "shrunk");
        }
        return true;
    }

    private void dispose(PooledEntry<R> entry, String reason) {
        counters.acquireWait.retire(entry.waits);
        counters.holdTime.retire(entry.holds);
        startWorker("destroy", () -> destroy(entry, reason));
    }

    private void destroy(PooledEntry<R> entry, String reason) {
        diagnostics.destroyed(reason, System.nanoTime() - entry.createdAt);
        try {
            factory.destroy(entry.resource);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, () -> "pool '" + name + "': destroying a resource failed: " + t);
        } finally {
            counters.destroyed.incrementAndGet();
            // Only now is the slot free, so the pool never holds more than maxSize resources.
            table.freeSlot();
            requestCreation();
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
        workers.add(worker); // before start, so close cannot miss it
        worker.start();
    }

    // ---------------------------------------------------------------- periodic work

    /** Retires expired and surplus idle entries, validates idle ones due for keepalive, refills to minIdle. */
    private void housekeep() {
        if (queue.closed()) {
            return;
        }
        try {
            long now = System.nanoTime();
            PoolConfig settings = config;
            long idleTimeout = settings.idleTimeout().toNanos();
            long keepalive = settings.keepaliveTime().toNanos();
            int idle = table.idleCount();
            for (PooledEntry<R> entry : table.snapshot()) {
                if (!entry.claim(PooledEntry.IDLE, PooledEntry.RESERVED)) {
                    continue;
                }
                boolean surplus = idle > settings.minIdle();
                if (entry.expired(now) || entry.evicted()) {
                    idle--;
                    retire(entry, entry.expired(now) ? "expired" : "evicted");
                } else if (surplus && idleTimeout > 0 && now - entry.lastReturned >= idleTimeout) {
                    idle--;
                    retire(entry, "idle");
                } else if ((entry.mark == PooledEntry.SUSPECT || keepalive > 0 && now - entry.lastValidated >= keepalive)
                        && !validate(entry)) {
                    idle--;
                    retire(entry, "invalid");
                } else {
                    queue.makeIdle(entry);
                }
            }
            trimToMaximum();
            scanHolders();
            endSaturationIfQuiet();
            diagnostics.endOverflowIfShrunk(table.snapshot().length, config.minIdle());
            requestCreation();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, () -> "pool '" + name + "': housekeeping failed: " + t);
        }
    }

    private void endSaturationIfQuiet() {
        diagnostics.endSaturationIfQuiet(queue.count(), counters.timeouts.get(), System.nanoTime());
    }

    /** Reports long holds and reclaims entries whose lease was dropped without close. */
    private void scanHolders() {
        for (PooledEntry<R> dropped : diagnostics.scanHolders(table.snapshot(), System.nanoTime())) {
            retire(dropped, "leaked");
        }
    }

    // ---------------------------------------------------------------- stopping

    /**
     * Stops the periodic work and waits up to {@code grace} for a run in progress (it may hold entries for
     * validation), so that close sweeps a table nobody else is checking.
     */
    boolean stop(Duration grace) {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** Waits for creations and destructions in flight until {@code deadline}, then interrupts them; true if interrupted. */
    boolean joinWorkers(long deadline) {
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
