package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After a failed creation the next one waits: 10 ms, doubling with each failure of a streak, up to a quarter of
 * the acquire timeout or 1 s. A server that refuses every login (a wrong or rotated password) sees about one
 * attempt a second from an idle pool, not hundreds, and a waiting caller still learns why within one pause.
 */
class CreationBackoffTest {
    /** When each creation attempt started ({@code System.nanoTime()}). */
    private final List<Long> attempts = new CopyOnWriteArrayList<>();
    private final CountingFactory factory = new CountingFactory();
    /** The counting factory, with the start of each creation attempt noted. */
    private final ResourceFactory<Resource> timed = new ResourceFactory<>() {
        @Override
        public Resource create() throws Exception {
            attempts.add(System.nanoTime());
            return factory.create();
        }

        @Override
        public void destroy(Resource resource) {
            factory.destroy(resource);
        }
    };
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(timed, () -> PoolConfig.builder().name("backoff")
            .createConcurrency(1).closeGrace(Duration.ofSeconds(1)));

    @Test
    void anIdlePoolThatCannotCreateBacksOffInsteadOfRetryingAtOnce() {
        factory.createFailure.set(new IllegalStateException("password authentication failed"));

        pools.open(c -> c.minIdle(2).acquireTimeout(Duration.ofSeconds(10)));

        await().atMost(Duration.ofSeconds(5)).until(() -> attempts.size() >= 7);
        long span = attempts.get(6) - attempts.get(0);
        // pauses of 10, 20, 40, 80, 160, 320 ms lie between the first and the seventh attempt: 630 ms, not microseconds
        assertThat(TimeUnit.NANOSECONDS.toMillis(span)).isGreaterThanOrEqualTo(600);
        for (int i = 1; i < 7; i++) {
            // a scheduled retry never fires early: each gap is at least its pause, whatever the machine adds
            long pause = TimeUnit.MILLISECONDS.toNanos(10L << (i - 1));
            assertThat(attempts.get(i) - attempts.get(i - 1)).as("ns before attempt %d", i + 1).isGreaterThanOrEqualTo(pause);
        }
    }

    @Test
    void thePauseNeverExceedsAQuarterOfTheAcquireTimeout() {
        factory.createFailure.set(new IllegalStateException("connection refused"));

        pools.open(c -> c.minIdle(1).acquireTimeout(Duration.ofMillis(200)));

        await().atMost(Duration.ofSeconds(5)).until(() -> attempts.size() >= 10);
        long longestPause = 0;
        for (int i = 1; i < 10; i++) {
            longestPause = Math.max(longestPause, attempts.get(i) - attempts.get(i - 1));
        }
        // capped at 50 ms; the attempt itself and scheduling on a busy machine add a little
        assertThat(TimeUnit.NANOSECONDS.toMillis(longestPause)).isBetween(40L, 500L);
    }

    @Test
    void aCallerArrivingDuringTheBackoffLearnsWhyWithinOnePauseAndThePoolRecoversAfterIt() throws Exception {
        factory.createFailure.set(new IllegalStateException("password authentication failed"));
        Pool<Resource> pool = pools.open(c -> c.minIdle(1).acquireTimeout(Duration.ofSeconds(10)));
        await().atMost(Duration.ofSeconds(5)).until(() -> attempts.size() >= 8); // the pause is at its 1 s cap now

        long start = System.nanoTime();
        PoolException e = catchThrowableOfType(PoolException.class, pool::acquire);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(e).hasMessageContaining("password authentication failed");
        assertThat(waited).as("one pause and one attempt, far below the 10 s acquire timeout").isLessThan(2_000);

        factory.createFailure.set(null);
        start = System.nanoTime();
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isNotNull();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
    }
}
