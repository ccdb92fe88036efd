package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The call-site budget: every lease's stack at ordinary rates, bursts recorded whole, and at most one stack per
 * 100 µs on average however fast leases are taken. The holder's start time is the limiter's clock, so the test
 * drives it with synthetic times: nothing here depends on how fast the machine is.
 */
class CallSiteBudgetTest {
    private static final long INTERVAL = Diagnostics.SITE_INTERVAL_NANOS;

    private static Diagnostics diagnostics(boolean callSites, Duration leakThreshold) {
        return new Diagnostics(PoolConfig.builder().name("budget").maxSize(1).callSites(callSites)
                .leakDetectionThreshold(leakThreshold).build());
    }

    private static int recorded(Diagnostics diagnostics, long from, long step, int leases) {
        int recorded = 0;
        for (int i = 0; i < leases; i++) {
            if (diagnostics.holder(null, from + i * step).taken != null) {
                recorded++;
            }
        }
        return recorded;
    }

    @Test
    void atTenThousandLeasesASecondOrFewerEveryLeaseRecordsItsStack() {
        Diagnostics diagnostics = diagnostics(true, Duration.ZERO);
        assertThat(recorded(diagnostics, System.nanoTime(), INTERVAL, 5_000)).isEqualTo(5_000);
    }

    @Test
    void aBurstAfterAQuietSpellIsRecordedWholeUpToTheBurstSize() {
        Diagnostics diagnostics = diagnostics(true, Duration.ZERO);
        long quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        assertThat(recorded(diagnostics, quietUntil, 0, 1_000)).isEqualTo(Diagnostics.SITE_BURST);
        // the budget refills at one stack per interval
        assertThat(recorded(diagnostics, quietUntil + Diagnostics.SITE_BURST * INTERVAL, 0, 1_000))
                .isEqualTo(Diagnostics.SITE_BURST);
    }

    @Test
    void aMillionLeasesASecondRecordAtMostOneStackPerIntervalOnAverage() {
        Diagnostics diagnostics = diagnostics(true, Duration.ZERO);
        long from = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        int leases = 200_000; // one per microsecond: 200 ms
        int recorded = recorded(diagnostics, from, 1_000, leases);
        long budget = leases * 1_000L / INTERVAL + Diagnostics.SITE_BURST;
        assertThat(recorded).isBetween((int) budget - 1, (int) budget + 1);
    }

    @Test
    void leakDetectionRecordsEveryLeaseAndNoCallSitesRecordsNone() {
        long from = System.nanoTime();
        assertThat(recorded(diagnostics(false, Duration.ofSeconds(1)), from, 0, 1_000)).isEqualTo(1_000);
        assertThat(recorded(diagnostics(false, Duration.ZERO), from, 0, 1_000)).isZero();
    }

    @Test
    void callSitesAreOnByDefault() {
        assertThat(PoolConfig.builder().maxSize(1).build().callSites()).isTrue();
    }
}
