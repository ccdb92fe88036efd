package dev.berth.pool;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free log-linear histogram of nanosecond durations: 32 linear sub-buckets per power of two, so a
 * reported percentile is within about 3% of the true value. Recording is one atomic increment; reading
 * walks ~2,000 counters and is meant for snapshots, not hot paths.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 5;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS + 1) * SUB_COUNT;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts.getAndIncrement(index(v));
        long m = max.get();
        while (v > m && !max.compareAndSet(m, v)) {
            m = max.get();
        }
    }

    static int index(long v) {
        if (v < SUB_COUNT) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int shift = exponent - SUB_BITS;
        int mantissa = (int) (v >>> shift);
        return (shift + 1) * SUB_COUNT + (mantissa - SUB_COUNT);
    }

    /** The middle of bucket {@code i}. */
    static long value(int i) {
        if (i < SUB_COUNT) {
            return i;
        }
        int group = i / SUB_COUNT;
        long mantissa = SUB_COUNT + (i % SUB_COUNT);
        long lower = mantissa << (group - 1);
        long width = 1L << (group - 1);
        return lower + width / 2;
    }

    PoolStats.Percentiles snapshot() {
        long[] c = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
            total += c[i];
        }
        long maxValue = max.get();
        return new PoolStats.Percentiles(total,
                at(c, total, 0.50, maxValue), at(c, total, 0.90, maxValue), at(c, total, 0.99, maxValue),
                at(c, total, 0.999, maxValue), Duration.ofNanos(maxValue));
    }

    private static Duration at(long[] c, long total, double quantile, long maxValue) {
        if (total == 0) {
            return Duration.ZERO;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < c.length; i++) {
            seen += c[i];
            if (seen >= rank) {
                return Duration.ofNanos(Math.min(value(i), maxValue));
            }
        }
        return Duration.ofNanos(maxValue);
    }
}
