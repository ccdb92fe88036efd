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
 * <p>What a newcomer's wait depends on is the pool's capacity: with {@code n} resources each taking {@code c} from one
 * lend to the next, the pool serves {@code n / c} callers a second. The cycle {@code c} is measured when a resource is
 * lent to a caller that waited: the time since it was last lent, which is the previous hold plus the return and the
 * hand-off until the waiter ran (the hold alone misses the hand-off, which is large when virtual threads queue for a
 * carrier, and overestimated the capacity by 15-40 % in the overload benchmark). Each interval's mean weighs three
 * quarters against what came before, so the estimate follows a change within an interval or two. Counting the waiters served instead would measure
 * what shedding lets through, not what the pool could do, and shed more and more.
 */
final class OverloadWatch {
    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long TARGET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final LongAdder served = new LongAdder();
    private final LongAdder cycles = new LongAdder();
    private final LongAdder cycleNanosSum = new LongAdder();
    private final AtomicBoolean rolling = new AtomicBoolean();
    private volatile long intervalStart = System.nanoTime();
    /** The shortest wait of the waiters served in this interval; {@code Long.MAX_VALUE} when none yet. */
    private volatile long shortestWait = Long.MAX_VALUE;
    /** Guarded by {@link #rolling}. */
    private long servedBefore;
    private long cyclesBefore;
    private long cycleNanosBefore;
    private volatile boolean standing;
    /** The mean cycle of a resource lent to a waiting caller (lend to lend), in nanoseconds; 0 until one was measured. */
    private volatile double meanCycle;

    /**
     * A caller that waited {@code waitNanos} was served at {@code now} with a resource last lent {@code cycleNanos} ago
     * (0 when it was never lent before).
     */
    void served(long waitNanos, long now, long cycleNanos) {
        served.increment();
        if (cycleNanos > 0) {
            cycles.increment();
            cycleNanosSum.add(cycleNanos);
        }
        if (waitNanos < shortestWait) {
            shortestWait = waitNanos;
        }
        roll(now);
    }

    /** Whether the queue stands now (updated as intervals end, by the callers that look). */
    boolean standing(long now) {
        roll(now);
        return standing;
    }

    /** Callers a second that {@code resources} resources serve at the measured mean cycle; 0 when none was measured. */
    double rate(int resources) {
        double cycle = meanCycle;
        return cycle <= 0 ? 0 : resources * 1e9 / cycle;
    }

    /**
     * The time until a caller at {@code position} in the queue has been served and has used its lease, with
     * {@code resources} resources each serving one caller per mean cycle: {@code position} services spread over the
     * resources, then its own lease. {@code Long.MAX_VALUE} when no cycle was measured yet.
     */
    long expectedFinishNanos(int position, int resources) {
        double cycle = meanCycle;
        if (cycle <= 0 || resources <= 0) {
            return Long.MAX_VALUE;
        }
        return (long) (cycle * ((double) position / resources + 1));
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
            long cycleCount = cycles.sum();
            long cycleSum = cycleNanosSum.sum();
            if (cycleCount > cyclesBefore) {
                double measured = (double) (cycleSum - cycleNanosBefore) / (cycleCount - cyclesBefore);
                double previous = meanCycle;
                meanCycle = previous <= 0 ? measured : (previous + 3 * measured) / 4; // the latest weighs most
            }
            cyclesBefore = cycleCount;
            cycleNanosBefore = cycleSum;
            standing = stood;
            servedBefore = total;
            shortestWait = Long.MAX_VALUE;
            intervalStart = now;
        } finally {
            rolling.set(false);
        }
    }
}
