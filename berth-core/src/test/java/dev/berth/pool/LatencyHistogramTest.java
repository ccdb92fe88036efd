package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentilesAreWithinThreePercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 1_000);
        }
        PoolStats.Percentiles p = h.snapshot();
        assertThat(p.count()).isEqualTo(100_000);
        assertThat(p.p50().toNanos()).isBetween(48_500_000L, 51_500_000L);
        assertThat(p.p99().toNanos()).isBetween(96_000_000L, 102_000_000L);
        assertThat(p.max().toNanos()).isEqualTo(100_000_000L);
    }

    @Test
    void bucketsCoverEveryLongWithoutGaps() {
        int previous = -1;
        for (long v = 0; v < 100_000; v++) {
            int i = LatencyHistogram.index(v);
            assertThat(i).isBetween(previous, previous + 1);
            previous = i;
        }
        assertThat(LatencyHistogram.index((1L << 43) - 1)).isEqualTo(LatencyHistogram.BUCKETS - 1);
        assertThat(LatencyHistogram.index(Long.MAX_VALUE)).isEqualTo(LatencyHistogram.BUCKETS - 1);
    }

    @Test
    void durationsBeyondTheLastBucketKeepAnExactMaximum() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(1_000);
        h.record(Long.MAX_VALUE / 2);
        PoolStats.Percentiles p = h.snapshot();
        assertThat(p.count()).isEqualTo(2);
        assertThat(p.max().toNanos()).isEqualTo(Long.MAX_VALUE / 2);
        assertThat(p.p99().toNanos()).isEqualTo(Long.MAX_VALUE / 2);
    }

    @Test
    void recordsFromManyThreadsAreAllCountedAcrossStripes() throws InterruptedException {
        LatencyHistogram h = new LatencyHistogram();
        Thread[] threads = new Thread[32];
        for (int t = 0; t < threads.length; t++) {
            long value = (t + 1) * 1_000L;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) {
                    h.record(value);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        PoolStats.Percentiles p = h.snapshot();
        assertThat(p.count()).isEqualTo(320_000);
        assertThat(p.max().toNanos()).isEqualTo(32_000);
        assertThat(p.p50().toNanos()).isBetween(15_500L, 17_500L);
    }

    @Test
    void liveRecordersCountUntilRetiredAndTheirCountsSurviveRetirement() {
        LatencyHistogram h = new LatencyHistogram();
        LatencyHistogram.Recorder a = h.recorder();
        LatencyHistogram.Recorder b = h.recorder();
        for (int i = 0; i < 1_000; i++) {
            a.record(10_000);
        }
        b.record(5_000_000);
        h.record(20_000);
        PoolStats.Percentiles live = h.snapshot(List.of(a, b));
        assertThat(live.count()).isEqualTo(1_002);
        assertThat(live.max().toNanos()).isEqualTo(5_000_000);
        assertThat(live.p50().toNanos()).isBetween(9_700L, 10_300L);
        assertThat(h.snapshot(List.of(a)).count()).as("a recorder not passed is not counted").isEqualTo(1_001);

        h.retire(b);
        PoolStats.Percentiles afterRetire = h.snapshot(List.of(a));
        assertThat(afterRetire.count()).isEqualTo(1_002);
        assertThat(afterRetire.max().toNanos()).isEqualTo(5_000_000);
        assertThat(h.snapshot(List.of(a, b)).count()).as("a retired recorder is empty").isEqualTo(1_002);
    }

    @Test
    void recordersHandedFromThreadToThreadLoseNothing() throws InterruptedException {
        // The pool's pattern: one recorder, owners in turn, ownership passed through a volatile write and read.
        LatencyHistogram h = new LatencyHistogram();
        LatencyHistogram.Recorder shared = h.recorder();
        java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int me = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int round = 0; round < 2_000; round++) {
                    while (turn.get() % threads.length != me) {
                        Thread.yield(); // not a sleep: the next owner is decided by the counter, not by timing
                    }
                    shared.record(1_000 + me);
                    turn.incrementAndGet();
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(h.snapshot(List.of(shared)).count()).isEqualTo(8_000);
    }

    @Test
    void emptyHistogramReportsZeros() {
        PoolStats.Percentiles p = new LatencyHistogram().snapshot();
        assertThat(p.count()).isZero();
        assertThat(p.p99().isZero()).isTrue();
    }
}
