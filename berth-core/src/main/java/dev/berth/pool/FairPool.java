package dev.berth.pool;

import dev.berth.scope.Scope;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * berth's pool engine: the lend / return / close protocol. Creation, destruction and periodic work are the
 * {@link Housekeeper}'s; who waits and who is served first, the {@link WaitQueue}'s; what is counted and
 * reported, {@link Counters} and {@link Diagnostics}.
 *
 * <p>Hot path: entries live in an {@link EntryTable}; a borrower claims an idle one with one CAS on its
 * state, a returner gives it back through the queue (made idle, or, when the queue is in FIFO mode, handed to
 * the oldest waiter). The waiter ("enqueue, then look for idle entries") and the returner ("publish idle, then
 * look for waiters") each re-check the other's side after a volatile write, so no entry stays idle while a
 * waiter sleeps.
 *
 * <p>Slow paths (creation, destruction, validation, housekeeping) never run under a lock; the only lock
 * guards changes of the entry array and close's wait.
 */
final class FairPool<R> implements Pool<R>, Waiter.Async.Lender<R> {
    private static final System.Logger LOG = System.getLogger("dev.berth.pool");
    private static final Duration FOREVER = Duration.ofNanos(Waiter.FOREVER);

    /** The settings now; {@link #reconfigure} replaces them, under {@link #reconfiguring}. */
    private volatile PoolConfig config;
    private final ResourceFactory<R> factory;
    private final String name;
    private volatile long validateAfterIdleNanos;
    private volatile long acquireTimeoutNanos;
    private final Object reconfiguring = new Object();
    /** Null while the pool lends; then why it refuses new callers ("closing", then "closed"). */
    private volatile String refusal;
    /** New callers refused during a graceful close. */
    private final AtomicLong refused = new AtomicLong();
    /** The registered MXBean, or null. */
    private volatile PoolJmx jmx;

    private final EntryTable<R> table;
    private final WaitQueue<R> queue;
    private final Deadlines deadlines;
    private final Diagnostics diagnostics;
    private final Counters<R> counters;
    private final Housekeeper<R> housekeeper;
    private final AtomicBoolean closing = new AtomicBoolean();

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
        this.queue = new WaitQueue<>(table, this::discardAfterClose);
        this.counters = new Counters<>(config, table, queue, diagnostics);
        this.housekeeper = new Housekeeper<>(config, factory, table, queue, diagnostics, counters);
        this.deadlines = new Deadlines(name, queue, acquireTimeoutNanos);
        if (config.jmx()) {
            jmx = PoolJmx.register(this); // first: a name already taken fails the open before any thread starts
        }
        deadlines.start();
        housekeeper.start();
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

    /** A timeout in nanoseconds, at most {@link Waiter#FOREVER} (Duration.toNanos throws beyond 292 years). */
    private static long nanos(Duration timeout) {
        return timeout.compareTo(FOREVER) >= 0 ? Waiter.FOREVER : timeout.toNanos();
    }

    private Lease<R> acquireWithin(long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Math.clamp(timeoutNanos, 0, Waiter.FOREVER);
        if (refusal != null) {
            throw refuse();
        }
        while (true) {
            if (queue.closed()) {
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

    private PooledEntry<R> await(long start, long timeoutDeadline) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before waiting for pool '" + name + "'");
        }
        long deadline = RequestDeadline.clamp(timeoutDeadline);
        PoolOverloadedException refused = shedding(start, deadline);
        if (refused != null) {
            throw refused;
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
                    if (queue.giveUp(waiter)) {
                        return entry;
                    }
                    queue.makeIdle(entry); // something was handed over meanwhile: take that instead
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
        if (queue.giveUp(waiter)) {
            if (interrupted) {
                throw new InterruptedException("interrupted while waiting for pool '" + name + "'");
            }
            throw counters.timedOut(System.nanoTime() - start);
        }
        Object result = waiter.result();
        if (result instanceof PooledEntry<?> e) {
            @SuppressWarnings("unchecked")
            PooledEntry<R> entry = (PooledEntry<R>) e;
            if (interrupted) {
                // Handed over at the moment we were interrupted: give it back, honour the interrupt.
                entry.lastReturned = System.nanoTime();
                queue.giveBack(entry);
                throw new InterruptedException("interrupted while waiting for pool '" + name + "'");
            }
            return entry;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        throw rethrowable((Throwable) result);
    }

    /**
     * Under {@link OverloadPolicy#SHED}, a standing queue and a pool at its maximum, the error of a caller about to
     * queue that would finish only after its deadline; null when it may queue. Only on the slow path: a caller that
     * found an idle resource never gets here.
     */
    private PoolOverloadedException shedding(long now, long deadline) {
        if (config.overloadPolicy() != OverloadPolicy.SHED || !counters.overload.standing(now)) {
            return null;
        }
        int resources = table.snapshot().length;
        if (resources < table.maxSize() || counters.failureStreak.get() > 0) {
            // short of resources (filling up, or rebuilding after a fault): the capacity measured may not be the pool's,
            // and the callers' trouble is the fault's, which their timeout explains. Shed only at full strength.
            return null;
        }
        int ahead = queue.count();
        long expected = counters.overload.expectedFinishNanos(ahead + 1, resources);
        long budget = deadline - now;
        // no cycle measured yet (Long.MAX_VALUE): nothing to judge by, so the caller queues as under FIFO. Otherwise it
        // must be done with a tenth of its budget to spare: an estimate is a mean, and a caller admitted right at the
        // edge finishes late about as often as not (the overload benchmark served 6-11 % late without the margin)
        return expected != Long.MAX_VALUE && expected > budget - budget / 10
                ? counters.shed(ahead, resources, expected, budget) : null;
    }

    @Override
    public CompletableFuture<Lease<R>> acquireAsync() {
        long start = System.nanoTime();
        long deadline = RequestDeadline.clamp(start + acquireTimeoutNanos);
        CompletableFuture<Lease<R>> future = new CompletableFuture<>();
        if (refusal != null) {
            future.completeExceptionally(refuse());
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
        long now = System.nanoTime();
        if (deadline - now <= 0) {
            future.completeExceptionally(counters.timedOut(now - start));
            return;
        }
        PoolOverloadedException refused = shedding(now, deadline);
        if (refused != null) {
            future.completeExceptionally(refused);
            return;
        }
        Waiter.Async<R> waiter = new Waiter.Async<>(start, deadline, future, queue, this);
        future.whenComplete((lease, failure) -> {
            if (future.isCancelled()) {
                queue.giveUp(waiter);
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

    @Override
    public void deliver(PooledEntry<R> entry, Waiter.Async<R> waiter) {
        deliverAsync(entry, waiter.future, waiter.start, waiter.deadline);
    }

    @Override
    public void timedOut(Waiter.Async<R> waiter) {
        long waited = System.nanoTime() - waiter.start;
        // Off the deadlines thread: the future's dependants are the caller's code and may block.
        Thread.ofVirtual().name("berth-" + name + "-timeout")
                .start(() -> waiter.future.completeExceptionally(counters.timedOut(waited)));
    }

    /** Lends an entry to a future on the current (virtual) thread, after the checks a borrow makes. */
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
        if (wait > 0) {
            // only callers that waited (the fast path lends with start == now): the time since this entry was last lent
            // is one whole cycle of it (the hold, the return, the hand-off until this waiter ran), what serving costs
            counters.overload.served(wait, now, entry.lentAt == 0 ? 0 : now - entry.lentAt);
        }
        entry.lentAt = now;
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
        housekeeper.requestCreation();
    }

    /** Checks age and, after an idle window, health; retires the entry and returns false when it is not fit to lend. */
    private boolean usable(PooledEntry<R> entry, long now) {
        int mark = entry.mark;
        if (entry.expired(now) || mark == PooledEntry.EVICTED) {
            housekeeper.retire(entry, entry.expired(now) ? "expired" : "evicted");
            return false;
        }
        if ((mark == PooledEntry.SUSPECT || dueForValidation(entry, now)) && !housekeeper.validate(entry)) {
            housekeeper.retire(entry, "invalid");
            return false;
        }
        return true;
    }

    private boolean needsCheck(PooledEntry<R> entry, long now) {
        return entry.expired(now) || entry.mark != PooledEntry.UNMARKED || dueForValidation(entry, now);
    }

    /** Idle longer than the window, and not validated within it: a ping per borrow would cost too much. */
    private boolean dueForValidation(PooledEntry<R> entry, long now) {
        return now - entry.lastReturned > validateAfterIdleNanos && now - entry.lastValidated > validateAfterIdleNanos;
    }

    // ---------------------------------------------------------------- release

    void release(PooledLease<R> lease, long now) {
        long hold = now - lease.start;
        PooledEntry<R> entry = lease.entry;
        entry.holds.record(hold);
        entry.forget(lease); // before the entry can be lent again
        diagnostics.released(lease, hold, now);
        boolean closed = queue.closed();
        if (lease.broken() || closed || entry.expired(now) || entry.evicted()
                || entry.state() == PooledEntry.REMOVED) {
            housekeeper.retire(entry, lease.broken() ? "broken" : closed ? "closed"
                    : entry.expired(now) ? "expired" : "evicted");
            return;
        }
        if (table.overMaximum() && housekeeper.retireIfSurplus(entry)) {
            return; // the maximum was lowered while it was out
        }
        try {
            factory.reset(entry.resource);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, () -> "pool '" + name + "': reset failed, destroying the resource: " + e);
            housekeeper.retire(entry, "reset failed");
            return;
        }
        entry.lastReturned = now;
        queue.giveBack(entry);
    }

    // ---------------------------------------------------------------- reporting

    @Override
    public PoolReport report() {
        return counters.report();
    }

    @Override
    public PoolStats stats() {
        return counters.stats();
    }

    /** Sizes and counters without percentiles: what a JMX attribute read needs, cheaply. */
    PoolStats counts() {
        return counters.counts();
    }

    private PoolClosedException closedException() {
        return new PoolClosedException("pool '" + name + "' is closed; no new leases can be taken");
    }

    /** The error of a caller that arrived after close began (a fresh one each, so stack traces are the caller's). */
    private PoolClosedException refuse() {
        String why = refusal;
        if (why == null || queue.closed()) {
            return closedException();
        }
        refused.incrementAndGet();
        return new PoolClosedException(why);
    }

    private static RuntimeException rethrowable(Throwable failure) {
        if (failure instanceof PoolException p) {
            // A fresh exception per caller, so stack traces point at the caller and are not shared.
            return p instanceof PoolClosedException
                    ? new PoolClosedException(p.getMessage())
                    : new PoolException(p.getMessage(), p.getCause());
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
    public void evict() {
        if (!queue.closed()) {
            housekeeper.evict();
        }
    }

    @Override
    public void revalidate() {
        if (!queue.closed()) {
            housekeeper.revalidate();
        }
    }

    @Override
    public PoolConfig config() {
        return config;
    }

    @Override
    public PoolConfig reconfigure(UnaryOperator<PoolConfig.Builder> change) {
        if (change == null) {
            throw new NullPointerException("change must not be null; pass the settings to change, e.g."
                    + " pool.reconfigure(settings -> settings.maxSize(20))");
        }
        synchronized (reconfiguring) {
            if (refusal != null) {
                throw new IllegalStateException("pool '" + name + "' is " + (queue.closed() ? "closed" : "closing")
                        + "; its settings can no longer change");
            }
            PoolConfig previous = config;
            PoolConfig.Builder builder = change.apply(previous.toBuilder());
            if (builder == null) {
                throw new NullPointerException("the change returned null; return the builder it was given, e.g."
                        + " settings -> settings.maxSize(20)");
            }
            PoolConfig next = builder.build();
            if (!next.name().equals(name)) {
                throw new IllegalArgumentException("name cannot change on a running pool ('" + name + "' to '"
                        + next.name() + "'): metrics, logs and JMX know the pool by it; open a new pool instead");
            }
            if (next.listener() != previous.listener()) {
                throw new IllegalArgumentException("listener cannot change on a running pool '" + name
                        + "': its metrics would miss what happened before; set it when the pool is opened");
            }
            if (next.jmx() && jmx == null) {
                jmx = PoolJmx.register(this);
            }
            // the bounds first: a caller woken by the creation below must find the new maximum in place
            table.resize(next.maxSize(), next.minIdle());
            acquireTimeoutNanos = nanos(next.acquireTimeout());
            validateAfterIdleNanos = next.validateAfterIdle().toNanos();
            deadlines.rest(acquireTimeoutNanos);
            diagnostics.reconfigure(next);
            config = next;
            housekeeper.reconfigure(next);
            if (!next.jmx() && jmx != null) {
                jmx.unregister();
                jmx = null;
            }
            LOG.log(Level.INFO, () -> "pool '" + name + "' reconfigured: " + next);
            return next;
        }
    }

    @Override
    public void suspend() {
        if (refusal == null) {
            queue.suspend();
            LOG.log(Level.INFO, () -> "pool '" + name + "' suspended: callers wait, nothing is created, until resume()");
        }
    }

    @Override
    public void resume() {
        if (queue.suspended()) {
            queue.resume();
            housekeeper.requestCreation();
            LOG.log(Level.INFO, () -> "pool '" + name + "' resumed");
        }
    }

    @Override
    public boolean isSuspended() {
        return queue.suspended();
    }

    @Override
    public boolean isClosed() {
        return queue.closed();
    }

    @Override
    public String toString() {
        return "Pool{" + stats().toString().lines().findFirst().orElse(name) + '}';
    }

    // ---------------------------------------------------------------- close

    /** An entry that became idle after close (the queue hands it over, owned): destroy it. */
    private void discardAfterClose(PooledEntry<R> entry) {
        housekeeper.retire(entry, "closed");
    }

    /** How often a graceful close looks whether the leases and the queue are done. */
    private static final long DRAIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    @Override
    public DrainReport close(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace is " + grace + " but must be zero or more; give the time in-flight"
                    + " work may take to finish, e.g. Duration.ofSeconds(20)");
        }
        long start = System.nanoTime();
        long deadline = start + nanos(grace);
        if (!closing.compareAndSet(false, true)) {
            return new DrainReport(Duration.ZERO, 0, 0, 0, 0, 0); // closed already, or closing on another thread
        }
        synchronized (reconfiguring) {
            refusal = "pool '" + name + "' is closing: it serves only the callers that were already waiting, and"
                    + " lends nothing to new ones; send new work to another instance";
        }
        queue.refuseNewcomers(new PoolClosedException(refusal));
        if (queue.suspended()) {
            queue.resume(); // a suspended pool would serve nobody: the queued callers are owed a turn
            housekeeper.requestCreation();
        }
        int queuedAtStart = queue.count();
        int leasedAtStart = leasedCount();
        LOG.log(Level.INFO, () -> "pool '" + name + "' closing gracefully within " + grace + ": " + leasedAtStart
                + " lease(s) out, " + queuedAtStart + " caller(s) waiting");
        boolean interrupted = false;
        while ((queue.count() > 0 || leasedCount() > 0) && deadline - System.nanoTime() > 0) {
            LockSupport.parkNanos(this, Math.min(DRAIN_POLL_NANOS, deadline - System.nanoTime()));
            if (Thread.interrupted()) {
                interrupted = true;
                break;
            }
        }
        int waitersCutOff = queue.count();
        int leasesCutOff = leasedCount();
        shutDown(System.nanoTime(), "pool '" + name + "' closed: the graceful close's grace of " + grace
                + " ran out before this caller was served");
        DrainReport report = new DrainReport(Duration.ofNanos(System.nanoTime() - start), queuedAtStart, waitersCutOff,
                leasedAtStart, leasesCutOff, refused.get());
        LOG.log(report.clean() ? Level.INFO : Level.WARNING, () -> "pool '" + name + "' " + report);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return report;
    }

    private int leasedCount() {
        int leased = 0;
        for (PooledEntry<R> entry : table.snapshot()) {
            if (entry.state() == PooledEntry.LEASED) {
                leased++;
            }
        }
        return leased;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        shutDown(System.nanoTime() + config.closeGrace().toNanos(), null);
    }

    /**
     * Closes for good: fails the waiters (with {@code cutOff} when given, else the plain "closed"), destroys idle
     * entries, waits for leases until {@code leaseDeadline} and destroys what is still out, stops the threads.
     */
    private void shutDown(long leaseDeadline, String cutOff) {
        synchronized (reconfiguring) { // a reconfigure under way finishes first; none starts after this
            refusal = "pool '" + name + "' is closed; no new leases can be taken";
            PoolJmx registered = jmx;
            if (registered != null) {
                registered.unregister();
                jmx = null;
            }
        }
        // from now on entries made idle are retired, waiters failed
        queue.close(cutOff == null ? closedException() : new PoolClosedException(cutOff));
        boolean interrupted = housekeeper.stop(config.validationTimeout());
        try {
            deadlines.stop(config.validationTimeout());
        } catch (InterruptedException e) {
            interrupted = true;
        }
        for (PooledEntry<R> entry : table.snapshot()) {
            if (entry.claim(PooledEntry.IDLE, PooledEntry.LEASED)) {
                housekeeper.retire(entry, "closed");
            }
        }
        long deadline = leaseDeadline;
        try {
            table.awaitEmpty(deadline);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        List<PooledEntry<R>> stillLeased = List.of(table.snapshot());
        if (!stillLeased.isEmpty()) {
            LOG.log(Level.WARNING, () -> "pool '" + name + "' closed with " + stillLeased.size()
                    + " lease(s) not returned within its grace; destroying them");
            stillLeased.forEach(entry -> housekeeper.retire(entry, "closed"));
        }
        interrupted |= housekeeper.joinWorkers(deadline + config.validationTimeout().toNanos());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
