package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The call-site budget, kept by each entry: every lease's stack while a resource is lent at most once per interval,
 * bursts (one lease per entry) recorded whole, and at most one stack per interval per resource however fast it is
 * lent. The holder's start time is the budget's clock, so the test drives it with synthetic times: nothing here
 * depends on how fast the machine is.
 */
class CallSiteBudgetTest {
    private static final long INTERVAL = Diagnostics.SITE_INTERVAL_NANOS;

    private static Diagnostics diagnostics(boolean callSites, Duration leakThreshold) {
        return new Diagnostics(PoolConfig.builder().name("budget").maxSize(1).callSites(callSites)
                .leakDetectionThreshold(leakThreshold).build());
    }

    private static PooledEntry<String> entry(long createdAt) {
        return new PooledEntry<>("resource", createdAt, 0, new LatencyHistogram(), new LatencyHistogram());
    }

    private static int recorded(Diagnostics diagnostics, PooledEntry<?> entry, long from, long step, int leases) {
        int recorded = 0;
        for (int i = 0; i < leases; i++) {
            if (diagnostics.recordSite(entry, from + i * step) != null) {
                recorded++;
            }
        }
        return recorded;
    }

    @Test
    void aResourceLentOncePerIntervalOrLessRecordsEveryLease() {
        Diagnostics diagnostics = diagnostics(true, Duration.ZERO);
        long from = System.nanoTime();
        assertThat(recorded(diagnostics, entry(from), from, INTERVAL, 1_000)).isEqualTo(1_000);
    }

    @Test
    void aBurstOfTakersAfterAQuietSpellIsRecordedWhole() {
        Diagnostics diagnostics = diagnostics(true, Duration.ZERO);
        long now = System.nanoTime();
        int recorded = 0;
        for (int i = 0; i < 50; i++) { // fifty callers take fifty resources at the same instant
            recorded += recorded(diagnostics, entry(now - Duration.ofSeconds(1).toNanos()), now, 0, 1);
        }
        assertThat(recorded).isEqualTo(50);
    }

    @Test
    void aResourceLentAMillionTimesASecondRecordsOneStackPerInterval() {
        Diagnostics diagnostics = diagnostics(true, Duration.ZERO);
        long from = System.nanoTime();
        int leases = 200_000; // one per microsecond: 200 ms
        int recorded = recorded(diagnostics, entry(from), from, 1_000, leases);
        assertThat(recorded).isEqualTo((int) (leases * 1_000L / INTERVAL));
    }

    @Test
    void leakDetectionRecordsEveryLeaseAndNoCallSitesRecordsNone() {
        long from = System.nanoTime();
        assertThat(recorded(diagnostics(false, Duration.ofSeconds(1)), entry(from), from, 0, 1_000)).isEqualTo(1_000);
        assertThat(recorded(diagnostics(false, Duration.ZERO), entry(from), from, 0, 1_000)).isZero();
    }

    @Test
    void callSitesAreOnByDefault() {
        assertThat(PoolConfig.builder().maxSize(1).build().callSites()).isTrue();
    }
}
