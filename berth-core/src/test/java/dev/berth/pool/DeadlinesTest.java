package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Waiters park without a timeout and {@link Deadlines} wakes them: every timeout must still fire, never early,
 * whatever the mix of per-call timeouts, sync and async waiters, and however they interleave with the
 * deadlines thread's passes.
 */
class DeadlinesTest {
    /** How late a timeout may fire on a loaded 2-core CI machine; a lost wake-up would be the test's 60 s limit. */
    private static final long LATE_NANOS = TimeUnit.SECONDS.toNanos(3);

    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(new CountingFactory(),
            () -> PoolConfig.builder().name("deadlines").maxSize(1).closeGrace(Duration.ofSeconds(5)));

    private Pool<Resource> pool(Duration acquireTimeout) {
        return pools.open(c -> c.acquireTimeout(acquireTimeout));
    }

    @Test
    void aPerCallTimeoutShorterThanThePoolsFiresOnTime() {
        // The deadlines thread rests for the pool's timeout (an hour): this waiter must wake it earlier.
        Pool<Resource> pool = pool(Duration.ofHours(1));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (Lease<Resource> held = pool.acquire()) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(50))).isInstanceOf(PoolTimeoutException.class);
                long waited = System.nanoTime() - start;
                assertThat(waited).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50)).isLessThan(LATE_NANOS);
            }
        });
        assertThat(pool.stats().waiting()).isZero();
        assertThat(pool.stats().timeouts()).isEqualTo(1);
    }

    @Test
    void aPerCallTimeoutLongerThanThePoolsIsNotCutShort() throws Exception {
        // The deadlines thread wakes after the pool's 20 ms and must then sleep on towards this waiter's deadline.
        Pool<Resource> pool = pool(Duration.ofMillis(20));
        try (Lease<Resource> held = pool.acquire()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(300))).isInstanceOf(PoolTimeoutException.class);
            long waited = System.nanoTime() - start;
            assertThat(waited).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300)).isLessThan(LATE_NANOS);
        }
    }

    @Test
    void manyWaitersWithMixedTimeoutsArrivingTogetherEachTimeOutNoEarlierThanAsked() throws Exception {
        Pool<Resource> pool = pool(Duration.ofHours(1));
        int waiters = 300;
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            millis.add(5L + (i * 7L) % 400); // 5 to 404 ms
        }
        Collections.shuffle(millis, new Random(42)); // arriving in no particular deadline order
        try (Lease<Resource> held = pool.acquire()) {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Long>> waited = new ArrayList<>();
            for (long timeout : millis) {
                CompletableFuture<Long> outcome = new CompletableFuture<>();
                waited.add(outcome);
                Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        long start = System.nanoTime();
                        try {
                            pool.acquire(Duration.ofMillis(timeout)).close();
                            outcome.completeExceptionally(new AssertionError("served while the only resource is held"));
                        } catch (PoolTimeoutException expected) {
                            outcome.complete(System.nanoTime() - start);
                        }
                    } catch (Throwable t) {
                        outcome.completeExceptionally(t);
                    }
                });
            }
            go.countDown();
            for (int i = 0; i < waiters; i++) {
                long asked = TimeUnit.MILLISECONDS.toNanos(millis.get(i));
                assertThat(waited.get(i).get(60, TimeUnit.SECONDS)).as("waiter asking for %d ms", millis.get(i))
                        .isGreaterThanOrEqualTo(asked).isLessThan(asked + LATE_NANOS);
            }
        }
        assertThat(pool.stats().waiting()).isZero();
        assertThat(pool.stats().timeouts()).isEqualTo(waiters);
    }

    @Test
    void asyncWaitersTimeOutAmongSyncWaitersWithOtherDeadlines() throws Exception {
        Pool<Resource> pool = pool(Duration.ofMillis(100));
        try (Lease<Resource> held = pool.acquire()) {
            long start = System.nanoTime();
            List<CompletableFuture<Lease<Resource>>> async = new ArrayList<>();
            List<Thread> sync = new ArrayList<>();
            List<Throwable> syncOutcomes = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 20; i++) {
                async.add(pool.acquireAsync());
                long timeout = 30 + 20L * i; // some before the async deadline, most after
                sync.add(Thread.ofVirtual().start(() -> {
                    try {
                        pool.acquire(Duration.ofMillis(timeout)).close();
                        syncOutcomes.add(new AssertionError("served while the only resource is held"));
                    } catch (Throwable t) {
                        syncOutcomes.add(t);
                    }
                }));
            }
            for (CompletableFuture<Lease<Resource>> future : async) {
                assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PoolTimeoutException.class);
            }
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
            for (Thread thread : sync) {
                assertThat(thread.join(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(syncOutcomes).hasSize(20).allMatch(t -> t instanceof PoolTimeoutException);
        }
        assertThat(pool.stats().waiting()).isZero();
        assertThat(pool.stats().timeouts()).isEqualTo(40);
    }

    @Test
    void aTimedOutFuturesBlockingCallbackDoesNotHoldUpOtherTimeouts() throws Exception {
        Pool<Resource> pool = pool(Duration.ofMillis(50));
        CountDownLatch release = new CountDownLatch(1);
        try (Lease<Resource> held = pool.acquire()) {
            CompletableFuture<Lease<Resource>> future = pool.acquireAsync();
            CountDownLatch callbackRunning = new CountDownLatch(1);
            future.whenComplete((lease, failure) -> {
                callbackRunning.countDown();
                try {
                    release.await(); // the caller's code, blocking the thread that completed the future
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(callbackRunning.await(60, TimeUnit.SECONDS)).isTrue();
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                long start = System.nanoTime();
                assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(100))).isInstanceOf(PoolTimeoutException.class);
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(100) + LATE_NANOS);
            });
            assertThat(future).isCompletedExceptionally();
        } finally {
            release.countDown();
        }
    }

    @Test
    void aNegativeTimeoutIsRefusedByName() {
        Pool<Resource> pool = pool(Duration.ofSeconds(1));
        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-0.005S")
                .hasMessageContaining("Duration.ZERO");
        assertThatThrownBy(() -> pool.acquire(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("timeout must not be null");
    }
}
