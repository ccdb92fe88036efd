package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Pool#revalidate()}: idle resources are checked at once, in parallel, leased ones at their next borrow; the
 * failing ones are replaced, the healthy ones kept. Borrow-time validation is off ({@code validateAfterIdle} of an
 * hour), so every check seen here is revalidate's.
 */
class PoolRevalidationTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("revalidate")
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(5)).validateAfterIdle(Duration.ofHours(1)));

    @Test
    void idleResourcesThatFailAreReplacedAndHealthyOnesKept() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(4).minIdle(4));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 4);
        Set<Resource> before = Set.copyOf(factory.live);
        factory.valid = r -> r.id % 2 == 0; // the server lost half of them

        pool.revalidate();

        await().atMost(Duration.ofSeconds(5)).until(() -> factory.destroyed.get() == 2 && pool.stats().idle() == 4);
        assertThat(factory.validations).hasValue(4);
        assertThat(before).filteredOn(r -> r.id % 2 == 1).allMatch(r -> r.destroyed);
        assertThat(before).filteredOn(r -> r.id % 2 == 0).noneMatch(r -> r.destroyed);
    }

    @Test
    void idleResourcesAreValidatedInParallelSoADeadServerCostsOneValidationTimeout() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(3).minIdle(3));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 3);
        CountDownLatch allAsked = new CountDownLatch(3);
        CountDownLatch answer = new CountDownLatch(1);
        factory.valid = r -> {
            allAsked.countDown();
            try {
                answer.await(); // a server that does not answer: each check hangs until the test lets it go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        };

        pool.revalidate();

        assertThat(allAsked.await(5, TimeUnit.SECONDS)).as("all three checks under way at once").isTrue();
        factory.valid = r -> true;
        answer.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.destroyed.get() == 3 && pool.stats().idle() == 3);
    }

    @Test
    void aLeasedResourceIsValidatedAtItsNextBorrowAndReplacedIfItFails() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Resource held;
        try (Lease<Resource> lease = pool.acquire()) {
            held = lease.get();
            factory.valid = r -> false;
            pool.revalidate();
            assertThat(factory.validations).as("not under its holder").hasValue(0);
        }
        factory.valid = r -> r != held;

        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isNotSameAs(held);
        }
        assertThat(held.destroyed).isTrue();
        assertThat(factory.validations).hasValue(1);
    }

    @Test
    void aResourceThatPassesIsNotCheckedAgainUntilTheNextRevalidate() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).minIdle(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 1);

        pool.revalidate();
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.validations.get() == 1 && pool.stats().idle() == 1);
        for (int i = 0; i < 3; i++) {
            pool.acquire().close();
        }

        assertThat(factory.validations).hasValue(1);
        assertThat(factory.destroyed).hasValue(0);
    }

    @Test
    void anEvictionWinsOverARevalidation() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> lease = pool.acquire();
        Resource old = lease.get();
        pool.evict();
        pool.revalidate();
        lease.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> old.destroyed);
        try (Lease<Resource> next = pool.acquire()) {
            assertThat(next.get()).isNotSameAs(old);
        }
    }
}
