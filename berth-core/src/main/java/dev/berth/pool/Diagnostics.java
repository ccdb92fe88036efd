package dev.berth.pool;

import dev.berth.internal.CallSites;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool's self-explanation: holder reports, leak and slow-lease warnings, saturation episodes, the periodic
 * reporter, JFR events and the {@link PoolListener}. Everything on the acquire/release path here is a field
 * read and a branch unless the feature is switched on.
 */
final class Diagnostics {
    private static final System.Logger LOG = System.getLogger("dev.berth.pool");

    private final String pool;
    private final PoolListener listener;
    /** Settings a running pool may change ({@link #reconfigure}); read once per lease, so plain volatile fields. */
    volatile boolean callSites;
    volatile long leakNanos;
    private volatile long slowNanos;
    private final AtomicBoolean saturated = new AtomicBoolean();
    private final AtomicBoolean overflowing = new AtomicBoolean();
    private final AtomicLong saturatedSince = new AtomicLong();
    /** When a caller last had to queue for a resource while the pool was full. */
    private volatile long lastQueued;
    /** A saturation episode ends after this long without a caller queuing: bursts a second apart are one episode. */
    static final long SATURATION_QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);
    final AtomicLong leaks = new AtomicLong();
    /**
     * An entry records the stack of a lease only if it recorded none in this long: a stack costs about a
     * microsecond, and a pool lent millions of times a second must not spend its time recording them.
     */
    static final long SITE_INTERVAL_NANOS = 10_000_000L;

    Diagnostics(PoolConfig config) {
        this.pool = config.name();
        this.listener = config.listener();
        reconfigure(config);
        // Registers berth's JFR events now: the first time in a JVM that takes about 0.2 s, which belongs to
        // opening a pool, not to the first caller's acquire (where it showed as a 0.2 s wait).
        PoolEvents.ACQUIRE_TYPE.isEnabled();
    }

    /** Takes the settings of a running pool that changed; leases already out keep what was recorded for them. */
    void reconfigure(PoolConfig config) {
        this.callSites = config.callSites();
        this.leakNanos = config.leakDetectionThreshold().toNanos();
        this.slowNanos = config.slowLeaseThreshold().toNanos();
    }

    /**
     * The stack of a lease being taken on {@code entry}, or {@code null} when none is to be recorded.
     *
     * <p>Leak detection records the stack of every lease (a dropped lease can only be traced that way). Call
     * sites alone record it within a budget kept by each entry, so keeping it writes nothing another core reads:
     * an entry records the stack of a lease unless it recorded one less than {@link #SITE_INTERVAL_NANOS} ago.
     * A resource lent up to 100 times a second records every lease, a burst of takers after a quiet spell is
     * recorded whole (each takes its own entry), and a pool lent millions of times a second records at most
     * 100 stacks a second per resource. A lease without a recorded stack is still named in reports by where
     * its holder is now (sampled when a report is made). The caller owns the entry.
     */
    Throwable recordSite(PooledEntry<?> entry, long start) {
        if (leakNanos > 0) {
            return CallSites.record();
        }
        if (callSites && start - entry.siteRecordedAt >= SITE_INTERVAL_NANOS) {
            entry.siteRecordedAt = start;
            return CallSites.record();
        }
        return null;
    }

    void acquired(long waitNanos) {
        if (PoolEvents.ACQUIRE_TYPE.isEnabled()) {
            PoolEvents.Acquire event = new PoolEvents.Acquire();
            event.pool = pool;
            event.waitNanos = waitNanos;
            event.commit();
        }
        if (listener != PoolListener.NONE) {
            try {
                listener.acquired(pool, waitNanos);
            } catch (RuntimeException e) {
                listenerFailed(e);
            }
        }
    }

    void released(Holder holder, long holdNanos, long now) {
        if (listener != PoolListener.NONE) {
            try {
                listener.released(pool, holdNanos);
            } catch (RuntimeException e) {
                listenerFailed(e);
            }
        }
        if (slowNanos > 0 && holdNanos >= slowNanos) {
            LOG.log(Level.WARNING, () -> "pool '" + pool + "': lease held " + fmt(holdNanos) + " (slow-lease threshold "
                    + fmt(slowNanos) + ") by " + holder.describe(now).thread() + " at " + siteOf(holder)
                    + (holder.state != null ? " (" + holder.state + ")" : ""));
            PoolEvents.LongHold event = new PoolEvents.LongHold();
            if (event.isEnabled()) {
                event.pool = pool;
                event.holdNanos = holdNanos;
                event.site = siteOf(holder);
                event.state = holder.state;
                event.commit();
            }
        }
        if (holder.reportedAsLeak) {
            LOG.log(Level.INFO, () -> "pool '" + pool + "': the lease reported as a possible leak was returned after "
                    + fmt(holdNanos) + " (taken at " + siteOf(holder) + ")");
        }
    }

    void timedOut(java.util.function.Supplier<PoolReport> report, PoolStats counts, long waitedNanos) {
        PoolEvents.Timeout event = new PoolEvents.Timeout();
        if (event.isEnabled()) {
            event.pool = pool;
            event.waitedNanos = waitedNanos;
            event.waiting = counts.waiting();
            event.leased = counts.leased();
            event.commit();
        }
        if (listener != PoolListener.NONE) {
            notify(() -> listener.timedOut(report.get()));
        }
    }

    /** When the last "shedding" warning was logged; one every 30 s at most, with the count since. */
    private final AtomicLong lastShedLog = new AtomicLong(System.nanoTime() - SHED_LOG_NANOS);
    private final AtomicLong shedSinceLog = new AtomicLong();
    private static final long SHED_LOG_NANOS = TimeUnit.SECONDS.toNanos(30);

    void shed(int queued) {
        shedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastShedLog.get();
        if (now - last >= SHED_LOG_NANOS && lastShedLog.compareAndSet(last, now)) {
            long refused = shedSinceLog.getAndSet(0);
            // not on the shed caller's thread: it was refused so as to learn at once, not to wait for a log handler
            Thread.ofVirtual().name("berth-" + pool + "-log").start(() -> LOG.log(Level.WARNING, () -> "pool '" + pool
                    + "' is overloaded and sheds callers it could not serve in time: " + refused
                    + " refused at once since the last such line, " + queued + " waiting now"));
        }
        if (listener != PoolListener.NONE) {
            notify(() -> listener.shed(pool, queued));
        }
    }

    void created(long createNanos) {
        notify(() -> listener.created(pool, createNanos));
    }

    void creationFailed(Throwable failure) {
        notify(() -> listener.creationFailed(pool, failure));
    }

    void validationFailed() {
        notify(() -> listener.validationFailed(pool));
    }

    void destroyed(String reason, long ageNanos) {
        PoolEvents.Eviction event = new PoolEvents.Eviction();
        if (event.isEnabled()) {
            event.pool = pool;
            event.reason = reason;
            event.ageNanos = ageNanos;
            event.commit();
        }
        notify(() -> listener.destroyed(pool, reason));
    }

    /** A resource was added: logs once per episode that the pool grew above its core size (minIdle). */
    void grew(int total, int coreSize) {
        if (coreSize > 0 && total > coreSize && !overflowing.get() && overflowing.compareAndSet(false, true)) {
            LOG.log(Level.INFO, () -> "pool '" + pool + "' grew above its core size (minIdle " + coreSize + "): "
                    + total + " resources; idle ones above the core are closed after idleTimeout");
        }
    }

    /** Ends an overflow episode once the pool is back to its core size. */
    void endOverflowIfShrunk(int total, int coreSize) {
        if (total <= coreSize && overflowing.compareAndSet(true, false)) {
            LOG.log(Level.INFO, () -> "pool '" + pool + "' is back to its core size (" + total + " resources)");
        }
    }

    /** A waiter queued: logs once per episode that callers now wait. */
    void waiterQueued(int waiting) {
        long now = System.nanoTime();
        lastQueued = now; // before the episode starts, so a check that sees the episode sees this time too
        if (!saturated.get() && saturated.compareAndSet(false, true)) {
            saturatedSince.set(now);
            LOG.log(Level.INFO, () -> "pool '" + pool + "' is saturated: every resource is leased and callers wait");
        }
    }

    /**
     * Ends a saturation episode once nobody waits and nobody has had to queue for {@link #SATURATION_QUIET_NANOS}.
     * The episode is said to have lasted from the first caller that had to queue to the last, not until this check.
     */
    void endSaturationIfQuiet(int waiting, long timeouts, long now) {
        if (waiting == 0 && saturated.get() && now - lastQueued >= SATURATION_QUIET_NANOS && saturated.compareAndSet(true, false)) {
            long lasted = lastQueued - saturatedSince.get();
            LOG.log(Level.INFO, () -> "pool '" + pool + "' is no longer saturated (callers queued for about "
                    + fmt(lasted) + ", from the first to the last; acquire timeouts so far: " + timeouts + ")");
        }
    }

    /**
     * Looks at every leased entry: warns once about leases held past the leak threshold, collects the entries
     * whose lease was dropped without close (the caller retires them), and starts watching the leases it sees for
     * the first time (see {@link LeaseWatch}): a lease dropped now is found by a later scan, after a collection.
     */
    <R> List<PooledEntry<R>> scanHolders(PooledEntry<R>[] entries, long now) {
        List<PooledEntry<R>> dropped = null;
        for (PooledEntry<R> entry : entries) {
            Object current = entry.holder();
            if (current == null || entry.state() != PooledEntry.LEASED) {
                continue;
            }
            Holder holder;
            if (current instanceof LeaseWatch watch) {
                if (watch.refersTo(null)) {
                    if (entry.holder() == watch) {
                        leaks.incrementAndGet();
                        Holder gone = watch.copy;
                        PoolReport.Holding holding = gone.describe(now);
                        LOG.log(Level.WARNING, () -> "pool '" + pool + "': a lease was dropped without close() after "
                                + fmt(now - gone.start) + "; its resource is destroyed and replaced. It was taken at "
                                + siteOf(gone) + stackText(holding));
                        leakEvent(holding, true);
                        if (dropped == null) {
                            dropped = new ArrayList<>();
                        }
                        dropped.add(entry);
                    }
                    continue;
                }
                holder = watch.holder();
            } else {
                PooledLease<?> lease = (PooledLease<?>) current;
                entry.replaceHolder(lease, new LeaseWatch(lease)); // fails if it was returned meanwhile
                holder = lease;
            }
            if (leakNanos > 0 && now - holder.start >= leakNanos && !holder.reportedAsLeak) {
                holder.reportedAsLeak = true;
                leaks.incrementAndGet();
                PoolReport.Holding holding = holder.describe(now);
                LOG.log(Level.WARNING, () -> "pool '" + pool + "': possible leak: a lease has been held "
                        + fmt(now - holder.start) + " (leak-detection threshold " + fmt(leakNanos) + ") by "
                        + holding.thread() + " at " + siteOf(holder) + stackText(holding));
                leakEvent(holding, false);
            }
        }
        return dropped == null ? List.of() : dropped;
    }

    private void leakEvent(PoolReport.Holding holding, boolean dropped) {
        PoolEvents.Leak event = new PoolEvents.Leak();
        if (event.isEnabled()) {
            event.pool = pool;
            event.heldNanos = holding.heldFor().toNanos();
            event.site = String.valueOf(holding.site());
            event.holder = holding.thread();
            event.dropped = dropped;
            event.commit();
        }
        notify(() -> listener.leak(pool, holding, dropped));
    }

    /** The longest current holders, longest first: a scan of the entries, no stack sampling. */
    static <R> List<Holder> longestHolders(PooledEntry<R>[] entries, int limit) {
        List<Holder> open = new ArrayList<>();
        for (PooledEntry<R> entry : entries) {
            Holder holder = entry.holderRecord();
            if (holder != null && entry.state() == PooledEntry.LEASED) {
                open.add(holder);
            }
        }
        open.sort(Comparator.comparingLong(h -> h.start));
        return open.size() > limit ? open.subList(0, limit) : open;
    }

    static List<PoolReport.Holding> describe(List<Holder> holders, long now) {
        List<PoolReport.Holding> result = new ArrayList<>(holders.size());
        for (Holder holder : holders) {
            result.add(holder.describe(now));
        }
        return result;
    }

    private static String siteOf(Holder holder) {
        StackTraceElement site = holder.siteAtAcquire();
        if (site != null) {
            return site.toString();
        }
        if (holder.thread == Thread.currentThread()) { // a slow lease coming back: its holder is returning it here
            StackTraceElement here = CallSites.firstApplicationFrame(CallSites.record().getStackTrace());
            if (here != null) {
                return here + " (where it was returned)";
            }
        }
        return "an unknown site (leak detection records the stack of every lease)";
    }

    private static String stackText(PoolReport.Holding holding) {
        if (holding.stack().isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("\n  acquired at:");
        for (StackTraceElement frame : holding.stack()) {
            text.append("\n    at ").append(frame);
        }
        return text.toString();
    }

    private void notify(Runnable call) {
        if (listener == PoolListener.NONE) {
            return;
        }
        try {
            call.run();
        } catch (RuntimeException e) {
            listenerFailed(e);
        }
    }

    private void listenerFailed(RuntimeException e) {
        LOG.log(Level.WARNING, () -> "pool '" + pool + "': a PoolListener failed: " + e);
    }

    static String fmt(long nanos) {
        return PoolStats.fmt(java.time.Duration.ofNanos(nanos));
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
