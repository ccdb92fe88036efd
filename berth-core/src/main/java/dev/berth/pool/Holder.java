package dev.berth.pool;

import dev.berth.internal.CallSites;

import java.time.Duration;
import java.util.List;

/**
 * Who holds an entry: the thread, when it took the lease, what it says it is doing and, when recorded, the stack
 * that took it. Every {@link PooledLease} is one, so a borrow allocates a single object. While a lease is out its
 * entry refers to it strongly; the first scan that sees it puts a {@link LeaseWatch} there instead, which refers to
 * the lease weakly and keeps a plain copy of this record, so a lease dropped without close can still be reported.
 */
class Holder {
    private static final long SAMPLE_NANOS = 100_000_000L;
    /** {@link #site} when the recorded stack has no application frame. */
    private static final StackTraceElement UNKNOWN = new StackTraceElement("?", "?", null, -1);

    final Thread thread;
    final long start;
    /**
     * The stack that took the lease, when call sites or leak detection are on: a {@link Throwable} records it
     * cheaply (no frames are decoded until someone asks), and it is decoded only for a report.
     */
    final Throwable taken;
    volatile String state;
    volatile boolean reportedAsLeak;
    /** {@link #taken}'s first application frame once decoded; {@link #UNKNOWN} when it has none. */
    private volatile StackTraceElement site;
    /** Without {@link #taken}: the holder's current application frame, sampled at most every 100 ms. */
    private volatile Sample sample;

    private record Sample(StackTraceElement site, long at) { }

    Holder(Thread thread, long start, Throwable taken) {
        this.thread = thread;
        this.start = start;
        this.taken = taken;
    }

    /** Where the lease was taken (first application frame), or {@code null} when nothing was recorded. */
    StackTraceElement siteAtAcquire() {
        if (taken == null) {
            return null;
        }
        StackTraceElement decoded = site;
        if (decoded == null) {
            decoded = CallSites.firstApplicationFrame(taken.getStackTrace());
            site = decoded = decoded == null ? UNKNOWN : decoded;
        }
        return decoded == UNKNOWN ? null : decoded;
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
                && CallSites.isLibrary(stack[first].getClassName())) {
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
        Sample last = sample;
        if (last != null && now - last.at < SAMPLE_NANOS) {
            return last.site;
        }
        StackTraceElement current = thread.isAlive() ? CallSites.firstApplicationFrame(thread.getStackTrace()) : null;
        sample = new Sample(current, now);
        return current;
    }
}
