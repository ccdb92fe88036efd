package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two thousand virtual threads and a few platform threads use a pool whose maximum, minIdle and acquire timeout
 * change under them every millisecond, with suspensions, interrupts and cancellations. Invariants: the pool never
 * holds more than its maximum, except what was already there when the maximum was lowered, and then only until those
 * come back (never a new resource above the new maximum); never one resource lent twice or a destroyed one lent;
 * at the end nothing is leased or waiting, the whole final capacity can be leased at once, and close destroys
 * everything created. Runs 3 s; {@code -Dberth.stress.seconds=60} runs it longer.
 */
class PoolReconfigureStressTest {
    private static final Duration RUN_FOR = Duration.ofSeconds(Long.getLong("berth.stress.seconds", 3));
    private static final int LARGEST = 16;

    private final CountingFactory factory = new CountingFactory();
    private final AtomicInteger doubleLeases = new AtomicInteger();
    private final AtomicInteger destroyedLent = new AtomicInteger();
    private final AtomicInteger overBound = new AtomicInteger();
    private final AtomicLong leasesTaken = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong suspensions = new AtomicLong();
    /**
     * The most resources the pool may hold now: raised before the maximum is raised, and after it is lowered set to
     * the larger of the new maximum and what the pool held right after (resources out at that moment stay until they
     * come back). Between changes the pool may only shrink towards it, never grow past it.
     */
    private final AtomicInteger bound = new AtomicInteger(8);
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, PoolConfig::builder);

    @Test
    void invariantsHoldWhileSettingsChangeUnderLoad() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.name("resize").maxSize(8).minIdle(2)
                .acquireTimeout(Duration.ofMillis(50)).housekeepingPeriod(Duration.ofMillis(5))
                .idleTimeout(Duration.ofMillis(10)).createConcurrency(3).closeGrace(Duration.ofSeconds(5)));
        long deadline = System.nanoTime() + RUN_FOR.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            workers.add(Thread.ofVirtual().name("v-" + i).start(() -> work(pool, deadline)));
        }
        for (int i = 0; i < 4; i++) {
            workers.add(Thread.ofPlatform().name("p-" + i).start(() -> work(pool, deadline)));
        }
        Thread monitor = Thread.ofPlatform().start(() -> {
            while (System.nanoTime() < deadline) {
                // the bound before and after: a change between the two reads may have raised or lowered it
                int before = bound.get();
                int total = pool.stats().total();
                int allowed = Math.max(before, bound.get());
                if (total > allowed || factory.live.size() > LARGEST) {
                    overBound.incrementAndGet();
                    System.out.printf("over the bound: %d resources, %d allowed, %d alive%n", total, allowed, factory.live.size());
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100)); // sample, do not spin
            }
        });
        Thread operator = Thread.ofPlatform().start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < deadline) {
                int max = 1 + random.nextInt(LARGEST);
                int minIdle = random.nextInt(max / 2 + 1);
                Duration timeout = Duration.ofMillis(20 + random.nextInt(80));
                if (max >= pool.config().maxSize()) {
                    bound.accumulateAndGet(max, Math::max);
                    pool.reconfigure(c -> c.maxSize(max).minIdle(minIdle).acquireTimeout(timeout));
                } else {
                    pool.reconfigure(c -> c.maxSize(max).minIdle(minIdle).acquireTimeout(timeout));
                    bound.set(Math.max(max, pool.stats().total()));
                }
                changes.incrementAndGet();
                if (random.nextInt(20) == 0) {
                    pool.suspend();
                    suspensions.incrementAndGet();
                    LockSupport.parkNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(3))); // a short maintenance
                    pool.resume();
                }
                workers.get(random.nextInt(workers.size())).interrupt();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // pacing, not synchronisation
            }
        });
        for (Thread t : workers) {
            t.join();
        }
        monitor.join();
        operator.join();

        assertThat(doubleLeases).as("resources lent to two holders at once").hasValue(0);
        assertThat(destroyedLent).as("destroyed resources lent").hasValue(0);
        assertThat(overBound).as("samples with more resources than the maximum allowed").hasValue(0);
        assertThat(leasesTaken.get()).as("leases taken").isGreaterThan(1_000);
        assertThat(changes.get()).as("changes of settings").isGreaterThan(100);

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            PoolStats s = pool.stats();
            return s.leased() == 0 && s.waiting() == 0;
        });
        int max = pool.config().maxSize();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().total() <= max);
        List<Lease<Resource>> all = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            all.add(pool.acquire(Duration.ofSeconds(5)));
        }
        assertThat(all).extracting(Lease::get).doesNotHaveDuplicates();
        assertThat(pool.stats().total()).isEqualTo(max);
        all.forEach(Lease::close);

        pool.close();
        assertThat(factory.live).as("resources alive after close").isEmpty();
        assertThat(factory.destroyed.get()).isEqualTo(factory.created.get());
        PoolStats end = pool.stats();
        assertThat(end.created()).isEqualTo(end.destroyed());
        System.out.printf("resize stress: %d leases, %d timeouts, %d changes, %d suspensions, %d created%n",
                leasesTaken.get(), timeouts.get(), changes.get(), suspensions.get(), factory.created.get());
    }

    private void work(Pool<Resource> pool, long deadline) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < deadline) {
            try {
                if (random.nextInt(10) < 7) {
                    try (Lease<Resource> lease = pool.acquire()) {
                        use(lease, random);
                    }
                } else {
                    CompletableFuture<Lease<Resource>> future = pool.acquireAsync();
                    if (random.nextBoolean() && future.cancel(false)) {
                        continue;
                    }
                    try (Lease<Resource> lease = future.join()) {
                        use(lease, random);
                    }
                }
            } catch (PoolTimeoutException e) {
                timedOut(random);
            } catch (CompletionException | CancellationException e) {
                if (e.getCause() instanceof PoolTimeoutException) {
                    timedOut(random);
                } else {
                    throw e;
                }
            } catch (InterruptedException e) {
                // the operator interrupts at random
            }
            Thread.interrupted();
        }
    }

    /** A starved client backs off before it tries again, as a real one does. */
    private void timedOut(ThreadLocalRandom random) {
        timeouts.incrementAndGet();
        LockSupport.parkNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(5)));
    }

    private void use(Lease<Resource> lease, ThreadLocalRandom random) {
        Resource r = lease.get();
        leasesTaken.incrementAndGet();
        if (!r.inUse.compareAndSet(false, true)) {
            doubleLeases.incrementAndGet();
        }
        if (r.destroyed) {
            destroyedLent.incrementAndGet();
        }
        LockSupport.parkNanos(random.nextInt(50_000)); // simulated work, not synchronisation
        if (random.nextInt(100) == 0) {
            lease.markBroken();
        }
        r.inUse.set(false);
    }
}
