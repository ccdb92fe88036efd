package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PoolConfig#createTimeout()}: a creation that hangs is abandoned at its deadline (its worker interrupted), it
 * counts as a failure that callers are told about, and its creation slot goes to a new attempt; a late resource is
 * destroyed, never lent, and the pool never holds more than maxSize.
 */
class CreationDeadlineTest {
    /** Released at the end of each test, so no hung creation outlives it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final HangingFactory factory = new HangingFactory();
    @RegisterExtension
    final TestPools<String> pools = TestPools.over(factory, () -> PoolConfig.builder().name("deadline")
            .createTimeout(Duration.ofMillis(200)).acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(1)));

    @AfterEach
    void releaseHungCreations() {
        release.countDown();
    }

    /**
     * The first {@code hanging} creations block until the test releases them; with {@code ignoreInterrupts} they go
     * on blocking when interrupted (a driver that does not honour interruption), and then return a resource.
     */
    private final class HangingFactory implements ResourceFactory<String> {
        final AtomicInteger hanging = new AtomicInteger();
        volatile boolean ignoreInterrupts;
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        final Set<String> live = ConcurrentHashMap.newKeySet();
        final Set<String> destroyed = ConcurrentHashMap.newKeySet();
        final AtomicInteger mostLive = new AtomicInteger();
        final AtomicLong serial = new AtomicLong();

        @Override
        public String create() throws Exception {
            attempts.incrementAndGet();
            if (hanging.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                while (true) {
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                        if (!ignoreInterrupts) {
                            throw e;
                        }
                    }
                }
            }
            String resource = "r" + serial.incrementAndGet();
            live.add(resource);
            mostLive.accumulateAndGet(live.size(), Math::max);
            return resource;
        }

        @Override
        public void destroy(String resource) {
            live.remove(resource);
            destroyed.add(resource);
        }
    }

    @Test
    void aHungCreationIsAbandonedAndInterruptedAndTheWaiterIsToldWhyLongBeforeItsTimeout() {
        factory.hanging.set(Integer.MAX_VALUE);
        Pool<String> pool = pools.open(c -> c.maxSize(1).createConcurrency(1));

        long start = System.nanoTime();
        PoolException failure = catchThrowableOfType(PoolException.class, pool::acquire);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(failure).isNotInstanceOf(PoolTimeoutException.class);
        assertThat(failure.getMessage()).contains("could not create one");
        assertThat(failure.getCause()).hasMessageContaining("createTimeout (200 ms)").hasMessageContaining("reachable");
        assertThat(waitedMillis).as("the deadline, not the 10 s acquire timeout, decides").isGreaterThanOrEqualTo(200).isLessThan(10_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.interrupted.get() >= 1);
        assertThat(pool.stats().creationFailures()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anAbandonedAttemptGivesItsCreationSlotToANewOneSoAHungDriverCannotStopTheRefill() throws Exception {
        factory.hanging.set(1);
        factory.ignoreInterrupts = true; // the first attempt hangs on, whatever the pool does
        Pool<String> pool = pools.open(c -> c.maxSize(2).createConcurrency(1));

        // nothing exists and the only attempt was abandoned: the waiter is told at the deadline
        PoolException first = catchThrowableOfType(PoolException.class, pool::acquire);
        assertThat(first.getCause()).hasMessageContaining("createTimeout");

        try (Lease<String> lease = pool.acquire()) {
            assertThat(lease.get()).as("made by a second attempt while the first still hangs").isEqualTo("r1");
            assertThat(factory.attempts.get()).isEqualTo(2);
            assertThat(factory.interrupted.get()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aLateResourceIsDestroyedNeverLentAndThePoolNeverHoldsMoreThanMaxSize() throws Exception {
        factory.hanging.set(1);
        factory.ignoreInterrupts = true;
        Pool<String> pool = pools.open(c -> c.maxSize(1).createConcurrency(1));

        // the hung attempt keeps the only slot, so no second attempt may start; the waiter is told at the deadline
        PoolException first = catchThrowableOfType(PoolException.class, pool::acquire);
        assertThat(first.getMessage()).contains("could not create one");
        assertThat(factory.attempts.get()).isEqualTo(1);

        release.countDown(); // the driver comes back with a resource after all
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.destroyed.contains("r1"));
        try (Lease<String> lease = pool.acquire()) {
            assertThat(lease.get()).isEqualTo("r2");
        }
        assertThat(factory.mostLive.get()).isEqualTo(1);
        assertThat(pool.stats().total()).isEqualTo(1);
    }

    @Test
    void aCreationWithinItsDeadlineIsNotDisturbed() throws Exception {
        Pool<String> pool = pools.open(c -> c.maxSize(1).createTimeout(Duration.ofSeconds(30)));
        try (Lease<String> lease = pool.acquire()) {
            assertThat(lease.get()).isEqualTo("r1");
        }
        assertThat(factory.interrupted.get()).isZero();
        assertThat(pool.stats().creationFailures()).isZero();
    }

    @Test
    void createTimeoutMustBePositive() {
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class,
                () -> PoolConfig.builder().createTimeout(Duration.ZERO).build());
        assertThat(e).hasMessageContaining("createTimeout").hasMessageContaining("PT0S").hasMessageContaining("positive");
    }
}
