package dev.berth.pool;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;

/**
 * Who holds an entry: kept by the entry while a lease is out. It refers to the lease weakly, so a lease the
 * borrower dropped without closing becomes unreachable and the pool can tell (the referent goes null), while
 * the thread, start time and call site survive for the report.
 */
final class Holder extends WeakReference<PooledLease<?>> {
    private static final long SAMPLE_NANOS = 100_000_000L;

    final Thread thread;
    final long start;
    /**
     * The stack that took the lease, when call sites or leak detection are on: a {@link Throwable} records it
     * cheaply (no frames are decoded until someone asks), and it is decoded only for a report.
     */
    final Throwable taken;
    volatile String state;
    volatile boolean reportedAsLeak;
    private volatile StackTraceElement site;
    private volatile boolean siteResolved;
    /** Without {@link #taken}: the holder's current application frame, sampled at most every 100 ms. */
    private volatile StackTraceElement sampledSite;
    private volatile long sampledAt;

    Holder(PooledLease<?> lease, Thread thread, long start, Throwable taken) {
        super(lease);
        this.thread = thread;
        this.start = start;
        this.taken = taken;
    }

    /** Where the lease was taken (first application frame), or {@code null} when nothing was recorded. */
    StackTraceElement siteAtAcquire() {
        if (taken == null) {
            return null;
        }
        if (!siteResolved) {
            site = CallSites.firstApplicationFrame(taken.getStackTrace());
            siteResolved = true;
        }
        return site;
    }

    PoolReport.Holding describe(long now) {
        String name = thread.getName();
        if (name.isEmpty()) {
            name = (thread.isVirtual() ? "virtual thread #" : "thread #") + thread.threadId();
        }
        StackTraceElement where = siteAtAcquire();
        boolean atAcquire = where != null;
        if (where == null) {
            where = currentSite(now);
        }
        return new PoolReport.Holding(name, Duration.ofNanos(now - start), state, where, atAcquire,
                taken == null ? List.of() : callersOf(taken.getStackTrace()));
    }

    /** The recorded stack without the pool's own frames at its top: it starts at the call into the pool. */
    private static List<StackTraceElement> callersOf(StackTraceElement[] stack) {
        int first = 0;
        while (first < stack.length - 1 && stack[first].getClassName().startsWith("dev.berth.pool.")
                && CallSites.isInfrastructure(stack[first].getClassName())) {
            first++;
        }
        return List.of(stack).subList(first, stack.length);
    }

    /**
     * Nothing was recorded when the lease was taken: say where the holder is now, which for a lease still in
     * use is inside the code that holds it. A stack sample costs tens of microseconds, so one sample serves
     * every report for 100 ms (a timeout storm must not turn into a stack-sampling storm).
     */
    private StackTraceElement currentSite(long now) {
        long at = sampledAt;
        if (at != 0 && now - at < SAMPLE_NANOS) {
            return sampledSite;
        }
        StackTraceElement current = thread.isAlive() ? CallSites.firstApplicationFrame(thread.getStackTrace()) : null;
        sampledSite = current;
        sampledAt = now;
        return current;
    }
}
