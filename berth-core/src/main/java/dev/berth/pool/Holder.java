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
    final Thread thread;
    final long start;
    final StackTraceElement site;
    /** Full acquiring stack, captured only when leak detection is on. */
    final Throwable stack;
    volatile String state;
    volatile boolean reportedAsLeak;
    /** The holder's current application frame, sampled at most every {@link #SAMPLE_NANOS}. */
    private volatile StackTraceElement sampledSite;
    private volatile long sampledAt;
    private static final long SAMPLE_NANOS = 100_000_000L;

    Holder(PooledLease<?> lease, Thread thread, long start, StackTraceElement site, Throwable stack) {
        super(lease);
        this.thread = thread;
        this.start = start;
        this.site = site;
        this.stack = stack;
    }

    PoolReport.Holding describe(long now) {
        String name = thread.getName();
        if (name.isEmpty()) {
            name = (thread.isVirtual() ? "virtual thread #" : "thread #") + thread.threadId();
        }
        StackTraceElement[] taken = stack == null ? null : stack.getStackTrace();
        StackTraceElement where = site;
        boolean capturedAtAcquire = where != null;
        if (where == null && taken != null) {
            where = CallSites.firstApplicationFrame(taken);
            capturedAtAcquire = where != null;
        }
        if (where == null) {
            where = currentSite(now);
        }
        return new PoolReport.Holding(name, Duration.ofNanos(now - start), state, where, capturedAtAcquire,
                taken == null ? List.of() : List.of(taken));
    }

    /**
     * Nothing was captured when the lease was taken: say where the holder is now, which for a lease still in
     * use is inside the code that holds it. A stack sample costs tens of microseconds, so one sample serves
     * every report for 100 ms (a timeout storm must not turn into a stack-sampling storm).
     */
    private StackTraceElement currentSite(long now) {
        long at = sampledAt;
        if (at != 0 && now - at < SAMPLE_NANOS) {
            return sampledSite;
        }
        StackTraceElement site = thread.isAlive() ? CallSites.firstApplicationFrame(thread.getStackTrace()) : null;
        sampledSite = site;
        sampledAt = now;
        return site;
    }
}
