package dev.berth.pool;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A log-linear histogram of nanosecond durations: 32 linear sub-buckets per power of two, so a reported
 * percentile is within about 3% of the true value (durations beyond about 73 minutes share the last bucket; the
 * maximum is kept exactly).
 *
 * <p>The pool records twice per lease (the wait on acquire, the hold on release), so recording must not touch a
 * cache line another core writes: a shared counter, even striped by thread, was the pool's hottest line. Each
 * pooled entry therefore records into {@link Recorder}s of its own, with plain writes: only the thread that owns
 * the entry (it won the CAS on its state) records into them, and the entry's state changes order one owner's
 * writes before the next owner's. Those lines travel with the entry, which the borrowing core touches anyway. A
 * {@link #snapshot} adds up the live recorders and what retired ones left behind ({@link #retire}); it may miss the
 * records of the last few nanoseconds, never more.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 5;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 42;
    static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_COUNT;
    /** A recorder's bucket that reaches this count moves it to the shared counts, so int counters never overflow. */
    static final int SPILL_AT = 1 << 30;

    /** Counts of retired recorders, spilled buckets and {@link #record} calls. */
    private final AtomicLongArray shared = new AtomicLongArray(BUCKETS);
    private final AtomicLong max = new AtomicLong();

    /**
     * Records from any thread with an atomic increment: for values no entry owns. The pool's hot paths use
     * {@link Recorder#record}.
     */
    void record(long nanos) {
        long v = Math.max(0, nanos);
        shared.getAndIncrement(index(v));
        raiseMax(v);
    }

    private void raiseMax(long v) {
        long m = max.get();
        while (v > m && !max.compareAndSet(m, v)) {
            m = max.get();
        }
    }

    /** A recorder for one owner at a time; its counts count in this histogram's snapshots while it is live. */
    Recorder recorder() {
        return new Recorder(this);
    }

    /** Moves a recorder that will record no more (its entry left the pool) into the shared counts. */
    void retire(Recorder recorder) {
        int[] counts = recorder.counts;
        for (int i = 0; i < BUCKETS; i++) {
            int n = counts[Recorder.GAP + i];
            if (n != 0) {
                shared.getAndAdd(i, n);
                counts[Recorder.GAP + i] = 0;
            }
        }
        raiseMax(recorder.max);
    }

    /**
     * The counts of one pooled entry. Not thread-safe by design: only the entry's current owner records, and
     * a snapshot reads the counts racily (an int is never torn; a count may be a few records behind).
     */
    static final class Recorder {
        /**
         * Unused ints before the counts: the busiest bucket is the first (an acquire that found an idle entry waited
         * 0 ns), and without this gap it would share a cache line with whatever object the collector put before the
         * array, perhaps a line another core writes.
         */
        private static final int GAP = 16;
        private final LatencyHistogram home;
        private final int[] counts = new int[GAP + BUCKETS];
        private long max;

        private Recorder(LatencyHistogram home) {
            this.home = home;
        }

        void record(long nanos) {
            long v = Math.max(0, nanos);
            int i = index(v);
            if (++counts[GAP + i] == SPILL_AT) {
                home.shared.getAndAdd(i, SPILL_AT);
                counts[GAP + i] = 0;
            }
            if (v > max) {
                max = v;
            }
        }
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

    /** Percentiles over everything recorded: the shared counts plus the given live recorders. */
    PoolStats.Percentiles snapshot(Iterable<Recorder> live) {
        long[] c = new long[BUCKETS];
        long total = 0;
        long maxValue = max.get();
        for (int i = 0; i < BUCKETS; i++) {
            long n = shared.get(i);
            c[i] = n;
            total += n;
        }
        for (Recorder recorder : live) {
            int[] counts = recorder.counts;
            for (int i = 0; i < BUCKETS; i++) {
                int n = counts[Recorder.GAP + i];
                c[i] += n;
                total += n;
            }
            maxValue = Math.max(maxValue, recorder.max);
        }
        return new PoolStats.Percentiles(total,
                at(c, total, 0.50, maxValue), at(c, total, 0.90, maxValue), at(c, total, 0.99, maxValue),
                at(c, total, 0.999, maxValue), Duration.ofNanos(maxValue));
    }

    /** Percentiles over the shared counts only. */
    PoolStats.Percentiles snapshot() {
        return snapshot(java.util.List.of());
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
