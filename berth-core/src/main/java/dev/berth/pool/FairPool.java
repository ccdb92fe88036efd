package dev.berth.pool;

import dev.berth.scope.Scope;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

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

    private final PoolConfig config;
    private final ResourceFactory<R> factory;
    private final String name;
    private final long validateAfterIdleNanos;
    private final long acquireTimeoutNanos;

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

    @Override
    public CompletableFuture<Lease<R>> acquireAsync() {
        long start = System.nanoTime();
        long deadline = start + acquireTimeoutNanos;
        CompletableFuture<Lease<R>> future = new CompletableFuture<>();
        if (queue.closed()) {
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
            future.completeExceptionally(counters.timedOut(System.nanoTime() - start));
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

    private PoolClosedException closedException() {
        return new PoolClosedException("pool '" + name + "' is closed; no new leases can be taken");
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

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        queue.close(closedException()); // from now on entries made idle are retired, waiters failed
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
        long deadline = System.nanoTime() + config.closeGrace().toNanos();
        try {
            table.awaitEmpty(deadline);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        List<PooledEntry<R>> stillLeased = List.of(table.snapshot());
        if (!stillLeased.isEmpty()) {
            LOG.log(Level.WARNING, () -> "pool '" + name + "' closed with " + stillLeased.size()
                    + " lease(s) not returned within closeGrace " + config.closeGrace() + "; destroying them");
            stillLeased.forEach(entry -> housekeeper.retire(entry, "closed"));
        }
        interrupted |= housekeeper.joinWorkers(deadline + config.validationTimeout().toNanos());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
