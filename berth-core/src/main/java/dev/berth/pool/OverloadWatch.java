package dev.berth.pool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tells a burst from a standing queue, and measures how fast a saturated pool serves its waiters (see
 * {@link OverloadPolicy}). Fed only by callers that waited (the slow path): a caller that found an idle resource
 * costs nothing here.
 *
 * <p>Time is cut into intervals of {@link #INTERVAL_NANOS}. An interval in which waiters were served and even the
 * shortest of their waits exceeded {@link #TARGET_NANOS} leaves the queue standing (the CoDel criterion: a queue that
 * is only a burst empties within an interval, so someone is served at once). An interval with a short wait, or none
 * served, ends the standing state.
 *
 * <p>What a newcomer's wait depends on is the pool's capacity: with {@code n} resources each held {@code h} on average,
 * the pool serves {@code n / h} callers a second. The mean hold is measured from the leases returned while callers
 * waited (a hold measured in a quiet pool says as much, but costs the hot path); each interval's mean weighs three
 * quarters against what came before, so the estimate follows a change within an interval or two. Counting the waiters served instead would measure
 * what shedding lets through, not what the pool could do, and shed more and more.
 */
final class OverloadWatch {
    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long TARGET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final LongAdder served = new LongAdder();
    private final LongAdder holds = new LongAdder();
    private final LongAdder holdNanos = new LongAdder();
    private final AtomicBoolean rolling = new AtomicBoolean();
    private volatile long intervalStart = System.nanoTime();
    /** The shortest wait of the waiters served in this interval; {@code Long.MAX_VALUE} when none yet. */
    private volatile long shortestWait = Long.MAX_VALUE;
    /** Guarded by {@link #rolling}. */
    private long servedBefore;
    private long holdsBefore;
    private long holdNanosBefore;
    private volatile boolean standing;
    /** The mean hold of a lease returned while callers waited, in nanoseconds; 0 until one was measured. */
    private volatile double meanHold;

    /** A caller that waited {@code waitNanos} was served at {@code now}. */
    void served(long waitNanos, long now) {
        served.increment();
        if (waitNanos < shortestWait) {
            shortestWait = waitNanos;
        }
        roll(now);
    }

    /** A lease held {@code nanos} was returned while callers waited: what the pool's capacity is measured by. */
    void held(long nanos) {
        holds.increment();
        holdNanos.add(nanos);
    }

    /** Whether the queue stands now (updated as intervals end, by the callers that look). */
    boolean standing(long now) {
        roll(now);
        return standing;
    }

    /** Callers a second that {@code resources} resources serve at the measured mean hold; 0 when none was measured. */
    double rate(int resources) {
        double hold = meanHold;
        return hold <= 0 ? 0 : resources * 1e9 / hold;
    }

    /**
     * The time until a caller at {@code position} in the queue has been served and has used its lease, with
     * {@code resources} resources each serving one caller per mean hold: {@code position} services spread over the
     * resources, then its own hold. {@code Long.MAX_VALUE} when no hold was measured yet.
     */
    long expectedFinishNanos(int position, int resources) {
        double hold = meanHold;
        if (hold <= 0 || resources <= 0) {
            return Long.MAX_VALUE;
        }
        return (long) (hold * ((double) position / resources + 1));
    }

    private void roll(long now) {
        long start = intervalStart;
        if (now - start < INTERVAL_NANOS || !rolling.compareAndSet(false, true)) {
            return;
        }
        try {
            start = intervalStart;
            long elapsed = now - start;
            if (elapsed < INTERVAL_NANOS) {
                return; // another thread rolled meanwhile
            }
            long total = served.sum();
            long count = total - servedBefore;
            long shortest = shortestWait;
            // an interval nobody looked at for long says nothing about now: it only ends the standing state
            boolean stood = count > 0 && shortest > TARGET_NANOS && elapsed < 2 * INTERVAL_NANOS;
            long holdCount = holds.sum();
            long holdSum = holdNanos.sum();
            if (holdCount > holdsBefore) {
                double measured = (double) (holdSum - holdNanosBefore) / (holdCount - holdsBefore);
                double previous = meanHold;
                meanHold = previous <= 0 ? measured : (previous + 3 * measured) / 4; // the latest weighs most
            }
            holdsBefore = holdCount;
            holdNanosBefore = holdSum;
            standing = stood;
            servedBefore = total;
            shortestWait = Long.MAX_VALUE;
            intervalStart = now;
        } finally {
            rolling.set(false);
        }
    }
}
