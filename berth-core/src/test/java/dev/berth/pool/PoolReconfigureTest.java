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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Settings changed on a running pool: {@link Pool#reconfigure}, and {@link Pool#suspend()} / {@link Pool#resume()}. */
class PoolReconfigureTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("live")
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(5)).validateAfterIdle(Duration.ofHours(1)));

    /** Starts a virtual thread that takes a lease, records it, and holds it until the returned latch opens. */
    private static CompletableFuture<Resource> borrower(Pool<Resource> pool, CountDownLatch release) {
        CompletableFuture<Resource> got = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Lease<Resource> lease = pool.acquire()) {
                got.complete(lease.get());
                release.await();
            } catch (Throwable t) {
                got.completeExceptionally(t);
            }
        });
        return got;
    }

    @Test
    void raisingMaxSizeServesTheWaitingCallersAtOnce() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Resource> first = borrower(pool, release);
        CompletableFuture<Resource> second = borrower(pool, release);
        await().until(() -> pool.stats().waiting() == 2);

        PoolConfig now = pool.reconfigure(c -> c.maxSize(3));

        assertThat(now.maxSize()).isEqualTo(3);
        assertThat(pool.config().maxSize()).isEqualTo(3);
        assertThat(first.get(5, TimeUnit.SECONDS)).isNotSameAs(held.get());
        assertThat(second.get(5, TimeUnit.SECONDS)).isNotSameAs(first.get());
        assertThat(pool.stats().maxSize()).isEqualTo(3);
        assertThat(factory.created).hasValue(3);
        release.countDown();
        held.close();
    }

    @Test
    void loweringMaxSizeRetiresIdleResourcesNowAndLeasedOnesAsTheyComeBack() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(5));
        List<Lease<Resource>> leases = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            leases.add(pool.acquire());
        }
        leases.remove(4).close();
        leases.remove(3).close(); // 3 leased, 2 idle

        pool.reconfigure(c -> c.maxSize(1));

        await().until(() -> factory.destroyed.get() == 2); // both idle ones
        assertThat(pool.stats().total()).isEqualTo(3);
        assertThat(leases).extracting(Lease::get).noneMatch(r -> r.destroyed); // never taken from a holder
        leases.get(0).close();
        await().until(() -> factory.destroyed.get() == 3);
        leases.get(1).close();
        await().until(() -> factory.destroyed.get() == 4);
        Resource last = leases.get(2).get();
        leases.get(2).close();
        assertThat(pool.stats().total()).isEqualTo(1);
        assertThat(last.destroyed).as("the one within the new maximum stays").isFalse();
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isSameAs(last);
        }
        assertThat(factory.created).as("nothing created: the pool is at its new maximum").hasValue(5);
    }

    @Test
    void aCreationFinishingAfterTheMaximumWasLoweredIsDestroyedNotAdded() throws Exception {
        CountDownLatch creating = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ResourceFactory<Resource> slow = new ResourceFactory<>() {
            @Override public Resource create() throws Exception {
                if (calls.incrementAndGet() == 2) {
                    creating.countDown();
                    proceed.await();
                }
                return factory.create();
            }
            @Override public void destroy(Resource resource) { factory.destroy(resource); }
        };
        Pool<Resource> pool = pools.open(c -> c.maxSize(2), slow);
        Lease<Resource> held = pool.acquire();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Resource> waiter = borrower(pool, release);
        creating.await(5, TimeUnit.SECONDS);

        pool.reconfigure(c -> c.maxSize(1));
        proceed.countDown();

        await().until(() -> factory.destroyed.get() == 1); // the late one
        assertThat(pool.stats().total()).isEqualTo(1);
        assertThat(waiter).isNotDone();
        Resource first = held.get();
        held.close();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isSameAs(first); // served by the one within the maximum
        release.countDown();
    }

    @Test
    void raisingMinIdleFillsThePoolAtOnce() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(5).minIdle(0));
        pool.reconfigure(c -> c.minIdle(3));
        await().until(() -> pool.stats().idle() == 3);
        assertThat(factory.created).hasValue(3);
    }

    @Test
    void aLoweredAcquireTimeoutAppliesToTheNextAcquire() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).acquireTimeout(Duration.ofMinutes(5)));
        try (Lease<Resource> held = pool.acquire()) {
            pool.reconfigure(c -> c.acquireTimeout(Duration.ofMillis(50)));
            long start = System.nanoTime();
            assertThatThrownBy(pool::acquire).isInstanceOf(PoolTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void leakDetectionCanBeSwitchedOnWhileRunning() throws Exception {
        CountDownLatch leak = new CountDownLatch(1);
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).listener(new PoolListener() {
            @Override public void leak(String name, PoolReport.Holding holding, boolean dropped) {
                leak.countDown();
            }
        }));
        pool.reconfigure(c -> c.leakDetectionThreshold(Duration.ofMillis(20)));
        try (Lease<Resource> held = pool.acquire()) {
            assertThat(leak.await(10, TimeUnit.SECONDS)).as("leak reported for a lease taken after the change").isTrue();
        }
    }

    @Test
    void aBadChangeIsRefusedWithTheSettingsNameAndChangesNothing() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(4).minIdle(1));
        PoolConfig before = pool.config();
        assertThatThrownBy(() -> pool.reconfigure(c -> c.maxSize(2).minIdle(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIdle (3)").hasMessageContaining("maxSize (2)");
        assertThatThrownBy(() -> pool.reconfigure(c -> c.name("other")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name cannot change");
        assertThatThrownBy(() -> pool.reconfigure(c -> c.listener(new PoolListener() { })))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listener cannot change");
        assertThatThrownBy(() -> pool.reconfigure(c -> null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("return the builder");
        assertThat(pool.config()).isSameAs(before);
        assertThat(pool.stats().maxSize()).isEqualTo(4);
        pool.close();
        assertThatThrownBy(() -> pool.reconfigure(c -> c.maxSize(5)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aDerivedLifetimeJitterFollowsAChangedLifetime() {
        Pool<Resource> pool = pools.open(c -> c.maxLifetime(Duration.ofMinutes(30)));
        PoolConfig now = pool.reconfigure(c -> c.maxLifetime(Duration.ofSeconds(40)));
        assertThat(now.lifetimeJitter()).isEqualTo(Duration.ofSeconds(1)); // a fortieth, not the old 45 s
    }

    @Test
    void aSuspendedPoolLendsNothingAndCreatesNothingUntilResumed() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        Resource first;
        try (Lease<Resource> lease = pool.acquire()) {
            first = lease.get();
        }
        pool.suspend();
        assertThat(pool.isSuspended()).isTrue();
        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(30)))
                .isInstanceOf(PoolTimeoutException.class).hasMessageContaining("suspended");
        CompletableFuture<Lease<Resource>> async = pool.acquireAsync();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Resource> waiter = borrower(pool, release);
        await().until(() -> pool.stats().waiting() == 2);
        assertThat(factory.created).as("nothing created while suspended").hasValue(1);
        assertThat(async).isNotDone();

        pool.resume();

        Lease<Resource> asyncLease = async.get(5, TimeUnit.SECONDS);
        assertThat(asyncLease.get()).as("the first to wait is served first, with the idle one").isSameAs(first);
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isNotSameAs(first);
        assertThat(pool.isSuspended()).isFalse();
        asyncLease.close();
        release.countDown();
    }

    @Test
    void callersThatWaitedThroughASuspensionAreServedInArrivalOrder() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        pool.suspend();
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try (Lease<Resource> lease = pool.acquire()) {
                    order.add(id);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            int queued = i + 1;
            await().until(() -> pool.stats().waiting() == queued);
        }
        pool.resume();
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(5));
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
    }
}
