package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link Pool#evict()}: every resource the pool has now is retired, softly; the pool refills with fresh ones. */
class PoolEvictionTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("evict")
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(5)).validateAfterIdle(Duration.ofHours(1)));

    @Test
    void idleResourcesAreDestroyedAtOnceAndReplacedUpToMinIdle() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(4).minIdle(2));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 2);
        Set<Resource> before = Set.copyOf(factory.live);

        pool.evict();

        await().atMost(Duration.ofSeconds(5)).until(() -> factory.destroyed.get() == 2 && pool.stats().idle() == 2);
        assertThat(before).allMatch(r -> r.destroyed);
        assertThat(factory.live).hasSize(2).doesNotContainAnyElementsOf(before);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(before).doesNotContain(lease.get());
        }
    }

    @Test
    void aLeasedResourceIsLeftWithItsHolderAndRetiredWhenItComesBack() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        Lease<Resource> held = pool.acquire();
        Resource old = held.get();

        pool.evict();

        assertThat(old.destroyed).as("destroyed under its holder").isFalse();
        assertThat(held.get()).isSameAs(old);
        held.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> old.destroyed);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isNotSameAs(old);
        }
        assertThat(pool.stats().destroyed()).isEqualTo(1);
    }

    @Test
    void resourcesCreatedAfterTheEvictionAreKept() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        pool.evict();
        Resource fresh;
        try (Lease<Resource> lease = pool.acquire()) {
            fresh = lease.get();
        }
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isSameAs(fresh);
        }
        assertThat(factory.destroyed).hasValue(0);
    }

    @Test
    void aResourceWhoseCreationWasUnderWayIsNotLentButReplaced() throws Exception {
        CountDownLatch creating = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicInteger made = new AtomicInteger();
        ResourceFactory<Integer> slow = new ResourceFactory<>() {
            @Override
            public Integer create() throws Exception {
                int n = made.incrementAndGet();
                if (n == 1) {
                    creating.countDown();
                    proceed.await();
                }
                return n;
            }

            @Override
            public boolean validate(Integer resource, Duration timeout) {
                return true;
            }

            @Override
            public void destroy(Integer resource) {
            }
        };
        Pool<Integer> pool = pools.open(c -> c.maxSize(1), slow);
        CompletableFuture<Lease<Integer>> waiting = pool.acquireAsync();
        assertThat(creating.await(5, TimeUnit.SECONDS)).isTrue();

        pool.evict();
        proceed.countDown();

        try (Lease<Integer> lease = waiting.get(5, TimeUnit.SECONDS)) {
            assertThat(lease.get()).as("the resource made before the eviction is not lent").isEqualTo(2);
        }
    }

    @Test
    void evictingAClosedPoolDoesNothing() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).minIdle(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.created.get() == 1);
        pool.close();

        pool.evict();

        assertThat(factory.created).hasValue(1);
        assertThat(factory.live).isEmpty();
    }

    /**
     * An evicted resource still leased will be destroyed when it comes back, never lent: when creation fails too,
     * waiters are told at once rather than held until their timeout for a resource they can never get.
     */
    @Test
    void whenCreationFailsAnEvictedLeaseDoesNotHoldWaitersUntilTheirTimeout() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        try (Lease<Resource> held = pool.acquire()) {
            pool.evict();
            factory.createFailure.set(new IllegalStateException("password authentication failed"));

            long start = System.nanoTime();
            PoolException e = org.assertj.core.api.Assertions.catchThrowableOfType(PoolException.class, pool::acquire);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(e).hasMessageContaining("could not create one").hasMessageContaining("password authentication failed");
            assertThat(waited).as("ms waited, against a 10 s acquire timeout").isLessThan(2_000);
            assertThat(held.get().destroyed).as("the holder keeps its resource meanwhile").isFalse();
        }
    }
}
