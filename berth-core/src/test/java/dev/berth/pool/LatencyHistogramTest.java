package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(LatencyHistogram.index(Long.MAX_VALUE)).isLessThan((64 - 5 + 1) * 32);
    }

    @Test
    void emptyHistogramReportsZeros() {
        PoolStats.Percentiles p = new LatencyHistogram().snapshot();
        assertThat(p.count()).isZero();
        assertThat(p.p99().isZero()).isTrue();
    }
}
