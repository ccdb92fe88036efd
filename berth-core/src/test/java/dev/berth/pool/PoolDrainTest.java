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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The graceful close: {@link Pool#close(Duration)}. */
class PoolDrainTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("drain")
            .acquireTimeout(Duration.ofSeconds(30)).validateAfterIdle(Duration.ofHours(1)));

    @Test
    void aThousandQueuedCallersAreAllServedAndNewOnesRefused() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(10));
        AtomicInteger served = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch hold = new CountDownLatch(1);
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                try (Lease<Resource> lease = pool.acquire()) {
                    hold.await(); // the first ten hold on until the close has begun
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a short piece of work
                    served.incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> pool.stats().waiting() == 990);
        CompletableFuture<DrainReport> closing = CompletableFuture.supplyAsync(() -> pool.close(Duration.ofSeconds(30)));
        // a newcomer learns at once that the pool is closing, even though resources will come back
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> pool.acquire(Duration.ofSeconds(30)))
                .isInstanceOf(PoolClosedException.class).hasMessageContaining("is closing"));
        assertThat(closing).isNotDone();
        hold.countDown();

        DrainReport report = closing.get(60, TimeUnit.SECONDS);
        for (Thread caller : callers) {
            caller.join(Duration.ofSeconds(10));
        }
        assertThat(served).as("queued callers served").hasValue(1_000);
        assertThat(failed).hasValue(0);
        assertThat(report.clean()).as(report.toString()).isTrue();
        assertThat(report.waitingAtStart()).isEqualTo(990);
        assertThat(report.leasedAtStart()).isEqualTo(10);
        assertThat(report.refused()).isPositive();
        assertThat(pool.isClosed()).isTrue();
        assertThat(factory.live).as("nothing leaks").isEmpty();
        assertThat(factory.destroyed.get()).isEqualTo(factory.created.get());
        assertThatThrownBy(pool::acquire).isInstanceOf(PoolClosedException.class).hasMessageContaining("is closed");
    }

    @Test
    void whenTheGraceRunsOutWaitersAreFailedAndLeasesCutOff() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> stuck = pool.acquire(); // never returned in time
        List<CompletableFuture<Lease<Resource>>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(pool.acquireAsync());
        }
        await().until(() -> pool.stats().waiting() == 5);

        DrainReport report = pool.close(Duration.ofMillis(200));

        assertThat(report.clean()).isFalse();
        assertThat(report.waitersCutOff()).isEqualTo(5);
        assertThat(report.leasesCutOff()).isEqualTo(1);
        assertThat(report.took()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(report.toString()).contains("cut off: 5 waiting caller(s), 1 lease(s)");
        for (CompletableFuture<Lease<Resource>> waiter : waiters) {
            assertThatThrownBy(waiter::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(PoolClosedException.class).hasMessageContaining("grace of PT0.2S ran out");
        }
        await().until(() -> stuck.get().destroyed);
        stuck.close(); // the holder finishes late: harmless
        assertThat(factory.live).isEmpty();
    }

    @Test
    void aSuspendedPoolIsResumedSoItsQueueIsServed() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        pool.suspend();
        CompletableFuture<Lease<Resource>> waiter = pool.acquireAsync();
        await().until(() -> pool.stats().waiting() == 1);
        CompletableFuture<DrainReport> closing = CompletableFuture.supplyAsync(() -> pool.close(Duration.ofSeconds(30)));
        Lease<Resource> lease = waiter.get(10, TimeUnit.SECONDS);
        lease.close();
        assertThat(closing.get(10, TimeUnit.SECONDS).clean()).isTrue();
    }

    @Test
    void closingAgainReportsNothingAndABadGraceIsRefused() {
        Pool<Resource> pool = pools.open();
        assertThatThrownBy(() -> pool.close(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grace is PT-1S");
        assertThat(pool.isClosed()).isFalse();
        pool.close();
        DrainReport again = pool.close(Duration.ofSeconds(1));
        assertThat(again.clean()).isTrue();
        assertThat(again.waitingAtStart()).isZero();
    }
}
