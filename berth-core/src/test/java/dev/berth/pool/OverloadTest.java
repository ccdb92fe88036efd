package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link OverloadPolicy}: a burst is served fairly; under a standing queue a caller that cannot be served in time is refused at once. */
class OverloadTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("overload")
            .acquireTimeout(Duration.ofSeconds(30)).validateAfterIdle(Duration.ofHours(1)));
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> load = new ArrayList<>();

    @AfterEach
    void stopLoad() throws InterruptedException {
        stop.set(true);
        for (Thread t : load) {
            t.join();
        }
    }

    /** {@code callers} virtual threads borrowing in a loop, each lease held about {@code holdMicros} (simulated work). */
    private void keepBusy(Pool<Resource> pool, int callers, long holdMicros) {
        for (int i = 0; i < callers; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try (Lease<Resource> lease = pool.acquire()) {
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(holdMicros));
                    } catch (PoolException | InterruptedException e) {
                        return;
                    }
                }
            }));
        }
    }

    @Test
    void aBurstIsServedFairlyAndNothingIsShed() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        AtomicInteger served = new AtomicInteger();
        List<Thread> burst = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            burst.add(Thread.ofVirtual().start(() -> {
                try (Lease<Resource> lease = pool.acquire()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    served.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : burst) {
            t.join();
        }
        assertThat(served).hasValue(200);
        assertThat(pool.stats().shed()).isZero();
        assertThat(pool.stats().timeouts()).isZero();
    }

    @Test
    void underAStandingQueueACallerThatCannotBeServedInTimeIsRefusedAtOnce() throws Exception {
        List<String> shedEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).listener(new PoolListener() {
            @Override public void shed(String name, int queued) {
                shedEvents.add(name + ":" + queued);
            }
        }));
        keepBusy(pool, 40, 2_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().overloaded());

        // about 40 callers ahead at about 1,000 a second: some 40 ms to wait, far more than 5 ms
        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5)))
                .isInstanceOf(PoolOverloadedException.class).isInstanceOf(PoolTimeoutException.class)
                .hasMessageContaining("pool 'overload' is overloaded").hasMessageContaining("a second")
                .hasMessageContaining("remaining budget of 5 ms").hasMessageContaining("raise maxSize (2)");
        CompletableFuture<Lease<Resource>> async = RequestDeadline.within(Duration.ofMillis(5), pool::acquireAsync);
        assertThatThrownBy(async::get).isInstanceOf(ExecutionException.class).cause().isInstanceOf(PoolOverloadedException.class);
        assertThatThrownBy(() -> RequestDeadline.within(Duration.ofMillis(5), () -> pool.acquire()))
                .as("a request deadline counts like a timeout").isInstanceOf(PoolOverloadedException.class);
        try (Lease<Resource> lease = pool.acquire(Duration.ofSeconds(20))) {
            assertThat(lease.get()).as("a caller with time enough queues and is served").isNotNull();
        }
        PoolStats stats = pool.stats();
        assertThat(stats.shed()).isEqualTo(3);
        assertThat(stats.timeouts()).as("a refusal is not a timeout").isZero();
        assertThat(shedEvents).hasSize(3).allMatch(e -> e.startsWith("overload:"));
        assertThat(stats.toString()).contains("(overloaded)").contains("shed=3");

        stop.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> !pool.stats().overloaded());
        try (Lease<Resource> lease = pool.acquire(Duration.ofMillis(5))) {
            assertThat(lease.get()).as("once the queue drained, nobody is refused").isNotNull();
        }
    }

    @Test
    void underFifoEveryCallerWaitsItsWholeTimeout() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).overloadPolicy(OverloadPolicy.FIFO));
        keepBusy(pool, 40, 2_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().overloaded());
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5)))
                .isInstanceOf(PoolTimeoutException.class).isNotInstanceOf(PoolOverloadedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(5));
        assertThat(pool.stats().shed()).isZero();
    }

    @Test
    void holdersThatServeNobodyAreNotOverloadAndCallersWaitForTheirReport() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        try (Lease<Resource> stuck = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(20)))
                    .isInstanceOf(PoolTimeoutException.class).isNotInstanceOf(PoolOverloadedException.class)
                    .hasMessageContaining("Leases are held too long");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(pool.stats().overloaded()).isFalse();
    }

    @Test
    void aNestedDeadlineKeepsTheEarlierOne() throws Exception {
        Duration outer = RequestDeadline.within(Duration.ofMillis(50), () ->
                RequestDeadline.within(Duration.ofSeconds(10), () -> RequestDeadline.remaining().orElseThrow()));
        assertThat(outer).isLessThanOrEqualTo(Duration.ofMillis(50));
        assertThat(RequestDeadline.remaining()).isEmpty();
    }
}
