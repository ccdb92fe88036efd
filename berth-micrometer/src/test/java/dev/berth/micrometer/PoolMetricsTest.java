package dev.berth.micrometer;

import static dev.berth.micrometer.PoolMeters.ACQUIRE;
import static dev.berth.micrometer.PoolMeters.CREATIONS;
import static dev.berth.micrometer.PoolMeters.CREATION_FAILURES;
import static dev.berth.micrometer.PoolMeters.DESTRUCTIONS;
import static dev.berth.micrometer.PoolMeters.HOLD;
import static dev.berth.micrometer.PoolMeters.IDLE;
import static dev.berth.micrometer.PoolMeters.LEAKS;
import static dev.berth.micrometer.PoolMeters.LEASED;
import static dev.berth.micrometer.PoolMeters.MAX;
import static dev.berth.micrometer.PoolMeters.RESOURCES;
import static dev.berth.micrometer.PoolMeters.OVERLOADED;
import static dev.berth.micrometer.PoolMeters.SHED;
import static dev.berth.micrometer.PoolMeters.TIMEOUTS;
import static dev.berth.micrometer.PoolMeters.VALIDATION_FAILURES;
import static dev.berth.micrometer.PoolMeters.WAITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolException;
import dev.berth.pool.PoolTimeoutException;
import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The meters of a real berth pool over an in-memory factory, checked against the workload that fed them. */
class PoolMetricsTest {
    private static final String POOL = "things";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name(POOL)
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(2)));

    /** Opens a pool with the metrics as its listener and binds the gauges: the idiom the javadoc shows. */
    private Pool<Resource> open(UnaryOperator<PoolConfig.Builder> config) {
        PoolMetrics metrics = PoolMetrics.of(registry, POOL, "memory");
        Pool<Resource> pool = pools.open(c -> config.apply(c).listener(metrics));
        metrics.bindTo(pool::stats);
        return pool;
    }

    private double gauge(String name) {
        return registry.get(name).tag("pool", POOL).gauge().value();
    }

    private long timed(String name) {
        return registry.get(name).tag("pool", POOL).timer().count();
    }

    private double counted(String name, String... tags) {
        return registry.get(name).tag("pool", POOL).tags(tags).counter().count();
    }

    @Test
    void everyAcquireAndReleaseIsTimedOnce() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(2));
        for (int i = 0; i < 100; i++) {
            try (Lease<Resource> lease = pool.acquire()) {
                assertThat(lease.get()).isNotNull();
            }
        }
        assertThat(timed(ACQUIRE)).isEqualTo(100);
        assertThat(timed(HOLD)).isEqualTo(100);
        assertThat(pool.stats().acquired()).isEqualTo(100);
        assertThat(counted(CREATIONS)).isEqualTo(1); // one at a time: one thing serves them all
    }

    @Test
    void holdTimerAddsUpExactlyTheTimeEachLeaseWasHeld() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(2));
        long heldNanos = 0;
        for (int i = 0; i < 10; i++) {
            Lease<Resource> lease = pool.acquire();
            lease.close();
            heldNanos += lease.heldFor().toNanos();
        }
        assertThat(registry.get(HOLD).tag("pool", POOL).timer().totalTime(TimeUnit.NANOSECONDS)).isEqualTo(heldNanos);
    }

    @Test
    void asyncAcquiresAreTimedLikeBlockingOnes() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(2));
        for (int i = 0; i < 50; i++) {
            pool.acquireAsync().get(5, TimeUnit.SECONDS).close();
        }
        assertThat(timed(ACQUIRE)).isEqualTo(50);
        assertThat(timed(HOLD)).isEqualTo(50);
    }

    @Test
    void concurrentWorkloadIsCountedExactly() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(3));
        int threads = 8;
        int leasesEach = 500;
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < leasesEach; i++) {
                        try (Lease<Resource> lease = pool.acquire()) {
                            lease.state("working");
                        }
                    }
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
            workers.add(done);
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        assertThat(timed(ACQUIRE)).isEqualTo(threads * leasesEach);
        assertThat(timed(HOLD)).isEqualTo(threads * leasesEach);
        assertThat(counted(TIMEOUTS)).isZero();
        assertThat(gauge(LEASED)).isZero();
        assertThat(gauge(WAITING)).isZero();
        assertThat(counted(CREATIONS)).isEqualTo(pool.stats().created()).isLessThanOrEqualTo(3);
    }

    @Test
    void anOverloadedPoolShowsItAndCountsTheCallersItSheds() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(2));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try (var lease = pool.acquire()) {
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // simulated work
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge(OVERLOADED) == 1);
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5))).isInstanceOf(dev.berth.pool.PoolOverloadedException.class);
            assertThat(counted(SHED)).isEqualTo(1);
            assertThat(counted(TIMEOUTS)).as("a refusal is not a timeout").isZero();
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(OVERLOADED) == 0);
    }

    @Test
    void gaugesShowTheLeasesThatAreHeld() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(5).minIdle(4));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(IDLE) == 4);
        Lease<Resource> a = pool.acquire();
        Lease<Resource> b = pool.acquire();
        Lease<Resource> c = pool.acquire();

        assertThat(gauge(RESOURCES)).isEqualTo(4);
        assertThat(gauge(LEASED)).isEqualTo(3);
        assertThat(gauge(IDLE)).isEqualTo(1);
        assertThat(gauge(MAX)).isEqualTo(5);
        assertThat(gauge(WAITING)).isZero();

        c.close();
        assertThat(gauge(LEASED)).isEqualTo(2);
        assertThat(gauge(IDLE)).isEqualTo(2);
        a.close();
        b.close();
        assertThat(gauge(LEASED)).isZero();
        assertThat(gauge(IDLE)).isEqualTo(4);
    }

    @Test
    void waitingGaugeCountsCallersInTheQueue() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        CompletableFuture<Resource> waiter = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Lease<Resource> lease = pool.acquire()) {
                waiter.complete(lease.get());
            } catch (Throwable e) {
                waiter.completeExceptionally(e);
            }
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(WAITING) == 1);
        held.close();
        assertThat(waiter.get(5, TimeUnit.SECONDS).id).isEqualTo(1);
        assertThat(gauge(WAITING)).isZero();
        assertThat(timed(ACQUIRE)).isEqualTo(2);
        assertThat(registry.get(ACQUIRE).tag("pool", POOL).timer().max(TimeUnit.NANOSECONDS)).isPositive();
    }

    @Test
    void anAcquireTimeoutIsCountedOnce() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1));
        try (Lease<Resource> held = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(10))).isInstanceOf(PoolTimeoutException.class);
        }
        assertThat(counted(TIMEOUTS)).isEqualTo(1);
        assertThat(timed(ACQUIRE)).isEqualTo(1); // the timed-out caller got no lease
        assertThat(pool.stats().timeouts()).isEqualTo(1);
    }

    @Test
    void aBrokenLeaseIsCountedAsADestructionForTheReasonBroken() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(2));
        try (Lease<Resource> lease = pool.acquire()) {
            lease.markBroken();
        }
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get().id).isNotEqualTo(1); // the broken thing is not lent again
        }
        pool.close(); // waits for the destroying threads: every count below is final

        assertThat(counted(DESTRUCTIONS, "reason", "broken")).isEqualTo(1);
        assertThat(counted(DESTRUCTIONS, "reason", "expired")).isZero();
        // The pool may create one thing more than asked for (a creation racing the replacement); the meters
        // agree with the pool and the factory whatever it did.
        assertThat(counted(CREATIONS)).isEqualTo(pool.stats().created()).isEqualTo(factory.created.get());
        assertThat(counted(DESTRUCTIONS, "reason", "closed")).isEqualTo(factory.created.get() - 1);
        assertThat(factory.destroyed).hasValue(factory.created.get());
    }

    @Test
    void creationFailuresAreCounted() throws Exception {
        factory.failingCreations.set(1);
        Pool<Resource> pool = open(c -> c.maxSize(1).minIdle(1)); // the pool retries until it has its idle thing
        await().atMost(Duration.ofSeconds(5)).until(() -> counted(CREATIONS) == 1);

        assertThat(counted(CREATION_FAILURES)).isEqualTo(1);
        assertThat(pool.stats().creationFailures()).isEqualTo(1);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get().id).isEqualTo(1);
        }
    }

    @Test
    void aCreationFailureThatReachesTheCallerIsCounted() throws Exception {
        factory.createFailure.set(new IllegalStateException("the thing server refused a new thing"));
        Pool<Resource> pool = open(c -> c.maxSize(1));
        assertThatThrownBy(pool::acquire).isInstanceOf(PoolException.class)
                .hasMessageContaining("the thing server refused a new thing");
        pool.close(); // no creation is under way any more: the count is final
        assertThat(counted(CREATION_FAILURES)).isEqualTo(pool.stats().creationFailures()).isPositive();
        assertThat(counted(CREATIONS)).isZero();
        assertThat(timed(ACQUIRE)).isZero();
    }

    @Test
    void failedValidationsAreCountedAndTheDeadThingDestroyedAsInvalid() throws Exception {
        factory.valid = thing -> thing.id != 1;
        Pool<Resource> pool = open(c -> c.maxSize(1).validateAfterIdle(Duration.ZERO));
        for (int i = 0; i < 5; i++) {
            try (Lease<Resource> lease = pool.acquire()) {
                assertThat(lease.get().id).isEqualTo(2);
            }
        }
        pool.close();
        assertThat(counted(VALIDATION_FAILURES)).isEqualTo(1);
        assertThat(counted(DESTRUCTIONS, "reason", "invalid")).isEqualTo(1);
        assertThat(timed(ACQUIRE)).isEqualTo(5);
    }

    @Test
    void aLeaseHeldPastTheLeakThresholdIsCountedAsNotDropped() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1).leakDetectionThreshold(Duration.ofMillis(30)));
        try (Lease<Resource> lease = pool.acquire()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> counted(LEAKS, "dropped", "false") == 1);
        }
        assertThat(counted(LEAKS, "dropped", "true")).isZero();
    }

    @Test
    void aDroppedLeaseIsCountedAsDroppedAndItsThingDestroyedAsLeaked() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1).housekeepingPeriod(Duration.ofMillis(10)));
        forgetToCloseALease(pool);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return counted(LEAKS, "dropped", "true") == 1;
        });
        try (Lease<Resource> lease = pool.acquire(Duration.ofSeconds(5))) {
            assertThat(lease.get().id).isEqualTo(2); // capacity came back
        }
        pool.close();
        assertThat(counted(DESTRUCTIONS, "reason", "leaked")).isEqualTo(1);
        assertThat(counted(LEAKS, "dropped", "false")).isZero();
    }

    private static void forgetToCloseALease(Pool<Resource> pool) throws InterruptedException {
        pool.acquire(); // never closed
    }

    @Test
    void theHotPathsRegisterNoMeters() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1).validateAfterIdle(Duration.ZERO));
        int registered = registry.getMeters().size();
        try (Lease<Resource> lease = pool.acquire()) {
            lease.markBroken();
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5))).isInstanceOf(PoolTimeoutException.class);
        }
        for (int i = 0; i < 10; i++) {
            pool.acquire().close();
        }
        pool.close();
        assertThat(registry.getMeters()).hasSize(registered);
        assertThat(counted(DESTRUCTIONS, "reason", "broken")).isEqualTo(1);
    }
}
