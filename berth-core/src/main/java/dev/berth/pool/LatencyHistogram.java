package dev.berth.pool;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A lock-free log-linear histogram of nanosecond durations: 32 linear sub-buckets per power of two, so a
 * reported percentile is within about 3% of the true value (durations beyond about 73 minutes share the last
 * bucket; the maximum is kept exactly). Recording is one atomic increment. Threads record into stripes chosen by
 * thread id, created on first use, so threads on different cores do not fight over one cache line: every
 * acquire and release records, and a single shared counter would be the pool's hottest line. Reading sums the
 * stripes and is meant for snapshots, not hot paths.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 5;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 42;
    static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_COUNT;
    private static final int STRIPES =
            Integer.highestOneBit(Math.clamp(Runtime.getRuntime().availableProcessors() * 2L, 2, 16));

    private final AtomicReferenceArray<AtomicLongArray> stripes = new AtomicReferenceArray<>(STRIPES);
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
        long v = Math.max(0, nanos);
        stripe().getAndIncrement(index(v));
        long m = max.get();
        while (v > m && !max.compareAndSet(m, v)) {
            m = max.get();
        }
    }

    private AtomicLongArray stripe() {
        long id = Thread.currentThread().threadId();
        int i = (int) ((id * 0x9E3779B97F4A7C15L) >>> 32) & (STRIPES - 1);
        AtomicLongArray stripe = stripes.getPlain(i);
        if (stripe == null) {
            stripe = stripes.get(i);
            if (stripe == null) {
                AtomicLongArray fresh = new AtomicLongArray(BUCKETS);
                stripe = stripes.compareAndExchange(i, null, fresh);
                if (stripe == null) {
                    stripe = fresh;
                }
            }
        }
        return stripe;
    }

    static int index(long v) {
        if (v < SUB_COUNT) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
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
        for (int s = 0; s < STRIPES; s++) {
            AtomicLongArray stripe = stripes.get(s);
            if (stripe == null) {
                continue;
            }
            for (int i = 0; i < BUCKETS; i++) {
                long n = stripe.get(i);
                c[i] += n;
                total += n;
            }
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
            if (seen >= rank) { // the last bucket holds everything beyond the range: its value is the maximum
                return Duration.ofNanos(i == BUCKETS - 1 ? maxValue : Math.min(value(i), maxValue));
            }
        }
        return Duration.ofNanos(maxValue);
    }
}
