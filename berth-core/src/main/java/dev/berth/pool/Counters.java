package dev.berth.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What a pool counts (creations, destructions, timeouts, creation failures, wait and hold times) and the
 * snapshots made of it: {@link PoolStats}, {@link PoolReport} and the timeout error. Counters are written by the
 * paths that change them and read only here; nothing in this class is on the lend/return path except the
 * histograms' per-entry recorders, which the entry's owner writes.
 */
final class Counters<R> {
    private static final PoolStats.Percentiles NO_PERCENTILES =
            new PoolStats.Percentiles(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    private final String name;
    private final EntryTable<R> table;
    private final WaitQueue<R> queue;
    private final Diagnostics diagnostics;

    final AtomicLong created = new AtomicLong();
    final AtomicLong destroyed = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong shed = new AtomicLong();
    final OverloadWatch overload = new OverloadWatch();
    final AtomicLong creationFailures = new AtomicLong();
    /** The most recent creation failure, for reports; never cleared. */
    volatile Throwable lastCreationFailure;
    /** Creation failures since the last success: above zero, creation is failing now. */
    final AtomicLong failureStreak = new AtomicLong();
    /** Creations under way: the creating thread and when its attempt started. */
    private final ConcurrentHashMap<Thread, Long> creating = new ConcurrentHashMap<>();
    final LatencyHistogram acquireWait = new LatencyHistogram();
    final LatencyHistogram holdTime = new LatencyHistogram();

    Counters(PoolConfig config, EntryTable<R> table, WaitQueue<R> queue, Diagnostics diagnostics) {
        this.name = config.name();
        this.table = table;
        this.queue = queue;
        this.diagnostics = diagnostics;
    }

    /** Sizes, counters and wait/hold percentiles over every entry's recorder. */
    PoolStats stats() {
        PooledEntry<R>[] entries = table.snapshot();
        List<LatencyHistogram.Recorder> waits = new ArrayList<>(entries.length);
        List<LatencyHistogram.Recorder> holds = new ArrayList<>(entries.length);
        for (PooledEntry<R> entry : entries) {
            waits.add(entry.waits);
            holds.add(entry.holds);
        }
        return snapshot(acquireWait.snapshot(waits), holdTime.snapshot(holds));
    }

    /** Sizes and counters without the percentiles: cheap enough for every timeout. */
    PoolStats counts() {
        return snapshot(NO_PERCENTILES, NO_PERCENTILES);
    }

    private PoolStats snapshot(PoolStats.Percentiles waits, PoolStats.Percentiles holds) {
        int idle = 0;
        int leased = 0;
        for (PooledEntry<R> entry : table.snapshot()) {
            switch (entry.state()) {
                case PooledEntry.IDLE, PooledEntry.RESERVED -> idle++;
                case PooledEntry.LEASED -> leased++;
                default -> { }
            }
        }
        return new PoolStats(name, idle + leased, idle, leased, Math.max(0, queue.count()),
                overload.standing(System.nanoTime()), table.maxSize(), table.minIdle(),
                created.get(), destroyed.get(), waits.count(), timeouts.get(), shed.get(),
                creationFailures.get(), waits, holds);
    }

    /** The full report: stats, the last creation failure and the longest holders. */
    PoolReport report() {
        Throwable failure = lastCreationFailure;
        return new PoolReport(stats(), failure == null ? null : failure.toString(),
                Diagnostics.describe(Diagnostics.longestHolders(table.snapshot(), PoolReport.MAX_HOLDERS), System.nanoTime()));
    }

    /** {@code worker} starts creating a resource at {@code start}. */
    void creationStarted(Thread worker, long start) {
        creating.put(worker, start);
    }

    /** {@code worker}'s creation ended, either way, or was abandoned at its deadline. */
    void creationEnded(Thread worker) {
        creating.remove(worker);
    }

    /**
     * Counts a timeout and makes its error. The counts, the holders and the reason are taken now (what the caller
     * saw); the text, with each holder's call site, is rendered only if someone reads the message. The error blames
     * the holders only when they hold every resource; when the pool is short because creation fails or hangs, it
     * says that, and carries the creation failure as its cause.
     */
    PoolTimeoutException timedOut(long waitedNanos) {
        timeouts.incrementAndGet();
        TimeoutScene scene = scene(System.nanoTime());
        diagnostics.timedOut(scene.report, scene.counts, waitedNanos);
        return new PoolTimeoutException(() -> "no free resource within " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
                + " ms in " + scene.report.get() + "\n" + scene.why, scene.failing);
    }

    /** What a timeout reports: the counts, the reason, the holders (rendered only when read), the creation failure. */
    private record TimeoutScene(long at, PoolStats counts, String why, Throwable failing, Supplier<PoolReport> report) {
    }

    /** The last scene, shared by the timeouts within {@link #SCENE_REUSE_NANOS} of it. */
    private volatile TimeoutScene lastScene;
    /**
     * Thousands of waiters that time out in the same instant (a burst the pool could not serve) see the same pool:
     * one snapshot of the counts and holders serves every timeout within a millisecond of it, so expiring them costs
     * a wake-up each, not a walk over the pool each.
     */
    private static final long SCENE_REUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private TimeoutScene scene(long now) {
        TimeoutScene recent = lastScene;
        if (recent != null && now - recent.at < SCENE_REUSE_NANOS) {
            return recent;
        }
        PoolStats counts = counts();
        long streak = failureStreak.get();
        Throwable failing = streak > 0 ? lastCreationFailure : null;
        long oldestCreation = Long.MAX_VALUE;
        int inFlight = 0;
        for (long started : creating.values()) {
            inFlight++;
            oldestCreation = Math.min(oldestCreation, now - started);
        }
        String why = reason(counts, streak, failing, inFlight, oldestCreation);
        Throwable last = lastCreationFailure;
        List<Holder> longest = Diagnostics.longestHolders(table.snapshot(), PoolReport.MAX_HOLDERS);
        Supplier<PoolReport> report = memoized(() -> new PoolReport(counts,
                last == null ? null : last.toString(), Diagnostics.describe(longest, now)));
        TimeoutScene scene = new TimeoutScene(now, counts, why, failing, report);
        lastScene = scene;
        return scene;
    }

    /** Renders once, however many timeouts and listeners read it; two first readers at once may both render. */
    private static Supplier<PoolReport> memoized(Supplier<PoolReport> render) {
        return new Supplier<>() {
            private volatile PoolReport rendered;

            @Override
            public PoolReport get() {
                PoolReport r = rendered;
                if (r == null) {
                    r = render.get();
                    rendered = r;
                }
                return r;
            }
        };
    }

    /**
     * Counts a caller refused because the pool is overloaded, and makes its error: the rate, the queue, the expected
     * wait against the caller's budget, and what to change. No holder report: overload is not a holder's fault.
     */
    PoolOverloadedException shed(int queued, int resources, long expectedNanos, long budgetNanos) {
        shed.incrementAndGet();
        diagnostics.shed(queued);
        long perSecond = Math.round(overload.rate(resources));
        int maxSize = table.maxSize();
        return new PoolOverloadedException(() -> "pool '" + name + "' is overloaded: callers have been arriving faster"
                + " than it serves them (" + perSecond + " a second with " + resources + " resources, " + queued + " waiting),"
                + " and this caller would have been served and done in about "
                + TimeUnit.NANOSECONDS.toMillis(expectedNanos)
                + " ms, which leaves less than a tenth of its remaining budget of "
                + Math.max(0, TimeUnit.NANOSECONDS.toMillis(budgetNanos))
                + " ms to spare, so it is refused now instead of waiting in vain. Send less work (shed it upstream, or retry"
                + " later), shorten the leases, or raise maxSize (" + maxSize + ") if the server has room;"
                + " OverloadPolicy.FIFO makes every caller wait its whole timeout instead");
    }

    private String reason(PoolStats counts, long streak, Throwable failing, int inFlight, long oldestCreationNanos) {
        if (queue.suspended()) {
            return "The pool is suspended (Pool.suspend(), or suspend() through JMX): it lends nothing until resume()"
                    + " is called.";
        }
        int maxSize = counts.maxSize();
        if (counts.leased() < maxSize) {
            String size = "The pool has " + counts.total() + " of its " + maxSize + " resources (" + counts.leased()
                    + " leased)";
            if (failing != null) {
                return size + " and cannot create more: the last " + streak + " attempt(s) failed, most recently with "
                        + failing + ". Holders are not the reason: check that the server is reachable and accepts the"
                        + " credentials (the failure is this error's cause).";
            }
            if (inFlight > 0) {
                return size + " and " + inFlight + " creation(s) under way, the oldest for "
                        + TimeUnit.NANOSECONDS.toMillis(oldestCreationNanos) + " ms without an answer. Holders are not"
                        + " the reason: the server or the network is slow or unreachable.";
            }
        }
        return "Leases are held too long or too many callers compete: shorten the work done while holding a lease,"
                + " look for leases that are never closed, or raise maxSize.";
    }
}
