package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.jdbc.FatalErrorRule.Context;
import dev.berth.jdbc.FatalErrorRule.ServerMode;
import dev.berth.jdbc.FatalErrorRule.Verdict;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The storm guard: one pool-wide action per incident, however many connections fail in it. The pool is replaced by
 * counters and time is passed in, so nothing waits; no server needed.
 */
class FatalErrorsTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final SQLException TERMINATED = new SQLException("terminating connection due to administrator command", "57P01");
    private static final SQLException READ_ONLY = new SQLException("cannot execute INSERT in a read-only transaction", "25006");

    private final AtomicInteger evictions = new AtomicInteger();
    private final AtomicInteger revalidations = new AtomicInteger();
    private final FatalErrors errors = new FatalErrors(FatalErrorRule.standard(), false, "storm-test",
            evictions::incrementAndGet, revalidations::incrementAndGet);
    /** Every connection in these tests was opened before the incident unless a test says otherwise. */
    private final long opened = System.nanoTime();

    private int failAllAtOnce(int connections, Verdict verdict, SQLException failure) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger acted = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                if (errors.act(verdict, failure, opened, System.nanoTime())) {
                    acted.incrementAndGet();
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        return acted.get();
    }

    @Test
    void hundredsOfConnectionsLosingTheirServerAtOnceMakeOneRevalidation() throws InterruptedException {
        int acted = failAllAtOnce(500, Verdict.SERVER, TERMINATED);

        assertThat(acted).isEqualTo(1);
        assertThat(revalidations).hasValue(1);
        assertThat(evictions).hasValue(0);
    }

    @Test
    void hundredsOfConnectionsFindingTheirPrimaryDemotedAtOnceMakeOneEviction() throws InterruptedException {
        int acted = failAllAtOnce(500, Verdict.FAILOVER, READ_ONLY);

        assertThat(acted).isEqualTo(1);
        assertThat(evictions).hasValue(1);
        assertThat(revalidations).hasValue(0);
    }

    @Test
    void laterFailuresOfOlderConnectionsWithinASecondBelongToTheSameIncident() {
        long t = System.nanoTime();

        assertThat(errors.act(Verdict.SERVER, TERMINATED, opened, t)).isTrue();
        assertThat(errors.act(Verdict.SERVER, TERMINATED, opened, t + 500 * MS)).isFalse();
        assertThat(errors.act(Verdict.SERVER, TERMINATED, opened, t + 999 * MS)).isFalse();
        assertThat(revalidations).hasValue(1);
    }

    @Test
    void aFailureASecondAfterTheLastActionIsANewIncident() {
        long t = System.nanoTime();
        errors.act(Verdict.SERVER, TERMINATED, opened, t);

        assertThat(errors.act(Verdict.SERVER, TERMINATED, opened, t + 1_000 * MS)).isTrue();
        assertThat(revalidations).hasValue(2);
    }

    @Test
    void aConnectionOpenedAfterTheLastActionActsAgainAtOnce() {
        long t = System.nanoTime();
        errors.act(Verdict.FAILOVER, READ_ONLY, opened, t);

        // reopened after the eviction and failing again: the URL still leads to a read-only server
        assertThat(errors.act(Verdict.FAILOVER, READ_ONLY, t + 10 * MS, t + 20 * MS)).isTrue();
        // another of that batch, opened before the second action: covered by it
        assertThat(errors.act(Verdict.FAILOVER, READ_ONLY, t + 15 * MS, t + 25 * MS)).isFalse();
        assertThat(evictions).hasValue(2);
    }

    @Test
    void aFailoverRightAfterARestartStillEvicts() {
        long t = System.nanoTime();
        errors.act(Verdict.SERVER, TERMINATED, opened, t);

        // revalidation keeps connections to a demoted primary that still answers, so the stronger verdict acts
        assertThat(errors.act(Verdict.FAILOVER, READ_ONLY, opened, t + 100 * MS)).isTrue();
        // and a weaker one after it changes nothing
        assertThat(errors.act(Verdict.SERVER, TERMINATED, opened, t + 200 * MS)).isFalse();
        assertThat(revalidations).hasValue(1);
        assertThat(evictions).hasValue(1);
    }

    @Test
    void aRuleThatThrowsIsReplacedByTheStandardRule() {
        FatalErrors broken = new FatalErrors((failure, context) -> {
            throw new IllegalStateException("bug in the rule");
        }, false, "broken-rule", () -> { }, () -> { });

        assertThat(broken.judge(TERMINATED, new Context(false, false, ServerMode.READ_WRITE, ServerMode.READ_WRITE))).isEqualTo(Verdict.SERVER);
    }

    @Test
    void aRuleThatAnswersNullIsReplacedByTheStandardRule() {
        FatalErrors broken = new FatalErrors((failure, context) -> null, false, "null-rule", () -> { }, () -> { });

        assertThat(broken.judge(READ_ONLY, new Context(false, false, ServerMode.READ_WRITE, ServerMode.READ_ONLY))).isEqualTo(Verdict.FAILOVER);
    }
}
