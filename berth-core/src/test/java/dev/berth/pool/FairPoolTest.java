package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FairPoolTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("test")
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(5)).validateAfterIdle(Duration.ofHours(1)));

    @Test
    void closedLeaseGivesTheSameResourceToTheNextBorrower() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        Resource first;
        try (Lease<Resource> lease = pool.acquire()) {
            first = lease.get();
        }
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isSameAs(first);
        }
        assertThat(factory.created).hasValue(1);
        assertThat(factory.resets).hasValue(2);
    }

    @Test
    void neverCreatesMoreThanMaxSize() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(3).acquireTimeout(Duration.ofMillis(50)));
        List<Lease<Resource>> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(pool.acquire());
        }
        assertThatThrownBy(pool::acquire).isInstanceOf(PoolTimeoutException.class);
        assertThat(factory.created).hasValue(3);
        assertThat(pool.stats().total()).isEqualTo(3);
        leases.forEach(Lease::close);
    }

    @Test
    void releasedResourceGoesToTheLongestWaiter() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            waiters.add(Thread.ofVirtual().start(() -> {
                try (Lease<Resource> lease = pool.acquire()) {
                    order.add(id);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }));
            int expected = i + 1;
            await().until(() -> pool.stats().waiting() == expected);
        }
        held.close();
        for (Thread t : waiters) {
            t.join();
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void newcomerDoesNotBargePastAWaiterOlderThanTheStarvationThreshold() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        long waitingSince = System.nanoTime();
        CompletableFuture<Lease<Resource>> waiter = pool.acquireAsync();
        await().until(() -> pool.stats().waiting() == 1
                && System.nanoTime() - waitingSince > 2 * WaitQueue.STARVATION_NANOS);
        held.close();
        // The resource was handed to the waiter, not left idle for whoever comes next.
        assertThatThrownBy(() -> pool.acquire(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class);
        waiter.get(5, TimeUnit.SECONDS).close();
    }

    @Test
    void timeoutExplainsThePoolState() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).name("orders-db"));
        try (Lease<Resource> ignored = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(20)))
                    .isInstanceOf(PoolTimeoutException.class)
                    .hasMessageContaining("pool 'orders-db'")
                    .hasMessageContaining("total=1")
                    .hasMessageContaining("leased=1")
                    .hasMessageContaining("max=1");
        }
        assertThat(pool.stats().timeouts()).isEqualTo(1);
    }

    @Test
    void creationFailureReachesWaitersWithItsCause() {
        factory.createFailure.set(new IOException("password authentication failed for user \"app\""));
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        assertThatThrownBy(pool::acquire)
                .isInstanceOf(PoolException.class)
                .hasMessageContaining("password authentication failed")
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(pool.stats().creationFailures()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void poolRecoversAfterCreationFailuresStop() throws Exception {
        factory.createFailure.set(new IOException("connection refused"));
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        assertThatThrownBy(pool::acquire).isInstanceOf(PoolException.class);
        factory.createFailure.set(null);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isNotNull();
        }
    }

    @Test
    void timeoutCarriesTheLastCreationFailureAsCause() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        try (Lease<Resource> held = pool.acquire()) {
            factory.createFailure.set(new IOException("too many clients already"));
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(200)))
                    .isInstanceOf(PoolTimeoutException.class)
                    .hasMessageContaining("too many clients already")
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void resourcesAreCreatedOffTheCallersThread() throws Exception {
        AtomicReference<String> creator = new AtomicReference<>();
        ResourceFactory<String> named = new ResourceFactory<>() {
            @Override public String create() {
                creator.set(Thread.currentThread().getName());
                return "r";
            }
            @Override public void destroy(String r) { }
        };
        Pool<String> pool = pools.open(c -> c.maxSize(1).name("names"), named);
        try (Lease<String> ignored = pool.acquire()) {
            assertThat(creator.get()).isEqualTo("berth-names-create").isNotEqualTo(Thread.currentThread().getName());
        }
    }

    @Test
    void creationConcurrencyIsBounded() throws Exception {
        AtomicInteger inCreate = new AtomicInteger();
        AtomicInteger maxInCreate = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ResourceFactory<Integer> slow = new ResourceFactory<>() {
            @Override public Integer create() throws InterruptedException {
                maxInCreate.accumulateAndGet(inCreate.incrementAndGet(), Math::max);
                go.await();
                inCreate.decrementAndGet();
                return 1;
            }
            @Override public void destroy(Integer r) { }
        };
        Pool<Integer> pool = pools.open(c -> c.maxSize(20).createConcurrency(3), slow);
        List<CompletableFuture<Lease<Integer>>> leases = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            leases.add(pool.acquireAsync());
        }
        await().until(() -> inCreate.get() == 3);
        go.countDown();
        for (CompletableFuture<Lease<Integer>> f : leases) {
            f.get(10, TimeUnit.SECONDS).close();
        }
        assertThat(maxInCreate.get()).isEqualTo(3);
    }

    @Test
    void interruptedWaiterGetsInterruptedExceptionAndLeavesNothingBehind() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                pool.acquire().close();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        await().until(() -> pool.stats().waiting() == 1);
        waiter.interrupt();
        waiter.join();
        assertThat(failure.get()).isInstanceOf(InterruptedException.class);
        assertThat(pool.stats().waiting()).isZero();
        held.close();
        assertThat(pool.stats().idle()).isEqualTo(1);
        pool.acquire(Duration.ZERO).close();
    }

    @Test
    void asyncAcquireCompletesWhenAResourceIsReturned() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        CompletableFuture<Lease<Resource>> next = pool.acquireAsync();
        assertThat(next).isNotDone();
        Resource r = held.get();
        held.close();
        try (Lease<Resource> lease = next.get(5, TimeUnit.SECONDS)) {
            assertThat(lease.get()).isSameAs(r);
        }
    }

    @Test
    void asyncAcquireTimesOut() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).acquireTimeout(Duration.ofMillis(30)));
        try (Lease<Resource> ignored = pool.acquire()) {
            CompletableFuture<Lease<Resource>> next = pool.acquireAsync();
            assertThatThrownBy(() -> next.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(PoolTimeoutException.class);
        }
        assertThat(pool.stats().waiting()).isZero();
    }

    @Test
    void cancelledAsyncAcquireNeverLosesTheResource() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        for (int i = 0; i < 2_000; i++) {
            Lease<Resource> held = pool.acquire();
            CompletableFuture<Lease<Resource>> next = pool.acquireAsync();
            Thread releaser = Thread.ofVirtual().start(held::close);
            next.cancel(false);
            releaser.join();
            // Either the cancel won or the hand-over did; in both cases the resource comes back.
            if (!next.isCancelled()) {
                next.join().close();
            }
            try (Lease<Resource> again = pool.acquire(Duration.ofSeconds(5))) {
                assertThat(again.get()).isNotNull();
            }
        }
        assertThat(factory.created).hasValue(1);
        assertThat(pool.stats().waiting()).isZero();
    }

    @Test
    void leaseCloseIsIdempotentAndUseAfterCloseFails() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> lease = pool.acquire();
        lease.close();
        lease.close();
        assertThat(lease.isClosed()).isTrue();
        assertThatThrownBy(lease::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(pool.stats().idle()).isEqualTo(1);
        assertThat(factory.resets).hasValue(1);
    }

    @Test
    void resourceMarkedBrokenIsDestroyedAndReplaced() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Resource broken;
        try (Lease<Resource> lease = pool.acquire()) {
            broken = lease.get();
            lease.markBroken();
        }
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isNotSameAs(broken);
        }
        await().until(() -> broken.destroyed);
        assertThat(pool.stats().destroyed()).isEqualTo(1);
    }

    @Test
    void resourceWhoseResetFailsIsDestroyed() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        factory.resettable = r -> r.id != 1;
        Resource first;
        try (Lease<Resource> lease = pool.acquire()) {
            first = lease.get();
        }
        await().until(() -> first.destroyed);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get().id).isEqualTo(2);
        }
    }

    @Test
    void resourceIdleLongerThanTheWindowIsValidatedBeforeLending() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).validateAfterIdle(Duration.ZERO));
        Resource first;
        try (Lease<Resource> lease = pool.acquire()) {
            first = lease.get();
        }
        factory.valid = r -> r != first;
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(lease.get()).isNotSameAs(first);
        }
        assertThat(factory.validations.get()).isGreaterThanOrEqualTo(1);
        await().until(() -> first.destroyed);
    }

    @Test
    void resourceReturnedWithinTheWindowIsNotValidated() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).validateAfterIdle(Duration.ofHours(1)));
        for (int i = 0; i < 100; i++) {
            pool.acquire().close();
        }
        assertThat(factory.validations).hasValue(0);
    }

    @Test
    void resourcePastItsLifetimeIsRetiredWhenReturned() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).maxLifetime(Duration.ofMillis(5)).lifetimeJitter(Duration.ZERO));
        Lease<Resource> lease = pool.acquire();
        Resource old = lease.get();
        await().until(() -> lease.heldFor().toMillis() > 5);
        lease.close();
        await().until(() -> old.destroyed);
        try (Lease<Resource> next = pool.acquire()) {
            assertThat(next.get()).isNotSameAs(old);
        }
    }

    @Test
    void housekeepingEvictsIdleResourcesDownToMinIdle() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(4).minIdle(1).idleTimeout(Duration.ofMillis(1))
                .housekeepingPeriod(Duration.ofMillis(10)));
        List<Lease<Resource>> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(pool.acquire());
        }
        leases.forEach(Lease::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().total() == 1);
        assertThat(factory.destroyed.get()).isEqualTo(3);
    }

    @Test
    void keepaliveValidatesIdleResourcesAndReplacesDeadOnes() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).minIdle(2).keepaliveTime(Duration.ofMillis(1))
                .housekeepingPeriod(Duration.ofMillis(10)));
        await().until(() -> pool.stats().idle() == 2);
        factory.valid = r -> r.id > 2;
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.destroyed.get() == 2 && pool.stats().idle() == 2);
        assertThat(factory.live).allMatch(r -> r.id > 2);
    }

    @Test
    void poolFillsToMinIdleOnOpen() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(5).minIdle(3));
        await().until(() -> pool.stats().idle() == 3);
        assertThat(factory.created).hasValue(3);
    }

    @Test
    void closeFailsWaitersAndLaterAcquires() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        CompletableFuture<Lease<Resource>> waiter = pool.acquireAsync();
        Thread closer = Thread.ofVirtual().start(pool::close);
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(PoolClosedException.class);
        held.close();
        closer.join();
        assertThatThrownBy(pool::acquire).isInstanceOf(PoolClosedException.class).hasMessageContaining("closed");
        assertThat(factory.live).isEmpty();
    }

    @Test
    void closeWaitsForOutstandingLeasesThenDestroysEverything() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        Lease<Resource> held = pool.acquire();
        pool.acquire().close();
        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = Thread.ofVirtual().start(() -> {
            pool.close();
            closed.countDown();
        });
        await().until(() -> factory.destroyed.get() == 1); // the idle one goes at once
        assertThat(closed.getCount()).isEqualTo(1);        // the leased one is awaited
        held.close();
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        closer.join();
        assertThat(factory.live).isEmpty();
        assertThat(factory.destroyed).hasValue(2);
    }

    @Test
    void closeDestroysLeasesNotReturnedWithinTheGracePeriod() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).closeGrace(Duration.ofMillis(20)));
        Lease<Resource> forgotten = pool.acquire();
        pool.close();
        assertThat(factory.live).isEmpty();
        forgotten.close(); // late return is harmless
        assertThat(factory.destroyed).hasValue(1);
    }

    @Test
    void closeLeavesNoPoolThreadBehind() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(3).name("tidy").minIdle(3));
        await().until(() -> pool.stats().idle() == 3);
        pool.close();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith("berth-tidy-") && t.isAlive());
    }

    @Test
    void poolScopeLendsForTheBodyAndReturnsAfter() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        var scope = pool.scope();
        Resource r = scope.enter();
        assertThat(pool.stats().leased()).isEqualTo(1);
        scope.exit(null);
        assertThat(pool.stats().leased()).isZero();
        assertThat(r.destroyed).isFalse();
    }

    @Test
    void statsCountLeasesAndTheirTimes() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        for (int i = 0; i < 10; i++) {
            pool.acquire().close();
        }
        PoolStats stats = pool.stats();
        assertThat(stats.acquired()).isEqualTo(10);
        assertThat(stats.acquireWait().count()).isEqualTo(10);
        assertThat(stats.hold().count()).isEqualTo(10);
        assertThat(stats.created()).isEqualTo(1);
        assertThat(stats.toString()).contains("test:", "acquired=10");
    }
}
