package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two thousand virtual threads and a few platform threads hammer a small pool with random timeouts,
 * interrupts, cancellations, broken resources, failed validations and short lifetimes, for a bounded time.
 * Invariants: never more than maxSize resources alive, never one resource lent twice, never a destroyed
 * resource lent, and at the end every resource is accounted for. The pool sheds (its default overload policy), so
 * callers go in and out of the standing-queue mode all along, refused at once or queued. It runs 3 s; {@code -Dberth.stress.seconds=60}
 * runs it longer (after a change to the pool's internals).
 */
class FairPoolStressTest {
    private static final int MAX_SIZE = 8;
    private static final Duration RUN_FOR = Duration.ofSeconds(Long.getLong("berth.stress.seconds", 3));

    private final CountingFactory factory = new CountingFactory();
    private final AtomicInteger doubleLeases = new AtomicInteger();
    private final AtomicInteger destroyedLent = new AtomicInteger();
    private final AtomicInteger overMax = new AtomicInteger();
    private final AtomicLong leasesTaken = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong interrupts = new AtomicLong();
    private final AtomicLong cancels = new AtomicLong();
    private final AtomicLong falseLeaks = new AtomicLong();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, PoolConfig::builder);

    @Test
    void invariantsHoldUnderChaos() throws Exception {
        factory.valid = r -> ThreadLocalRandom.current().nextInt(50) != 0;
        Pool<Resource> pool = pools.open(c -> c.name("stress").maxSize(MAX_SIZE).minIdle(2)
                .acquireTimeout(Duration.ofMillis(50)).validateAfterIdle(Duration.ofMillis(1))
                .maxLifetime(Duration.ofMillis(40)).lifetimeJitter(Duration.ofMillis(10))
                .idleTimeout(Duration.ofMillis(10)).keepaliveTime(Duration.ofMillis(5))
                .housekeepingPeriod(Duration.ofMillis(5)).createConcurrency(3)
                .closeGrace(Duration.ofSeconds(5)).listener(new PoolListener() {
                    // Every lease here is closed: housekeeping (every 5 ms) swapping leases for their watches
                    // while they come back must never make one look dropped.
                    @Override public void leak(String name, PoolReport.Holding holding, boolean dropped) {
                        falseLeaks.incrementAndGet();
                    }
                }));
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
                if (factory.live.size() > MAX_SIZE || pool.stats().total() > MAX_SIZE) {
                    overMax.incrementAndGet();
                }
                // Sample, do not spin: a spinning platform thread would take a core from the virtual threads.
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
        });
        Thread chaos = Thread.ofPlatform().start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < deadline) {
                workers.get(random.nextInt(workers.size())).interrupt();
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
            }
        });
        for (Thread t : workers) {
            t.join();
        }
        monitor.join();
        chaos.join();

        assertThat(doubleLeases).as("resources lent to two holders at once").hasValue(0);
        assertThat(destroyedLent).as("destroyed resources lent").hasValue(0);
        assertThat(overMax).as("samples with more than maxSize resources").hasValue(0);
        assertThat(falseLeaks).as("closed leases reported as leaked or dropped").hasValue(0);
        assertThat(leasesTaken.get()).as("leases taken").isGreaterThan(1_000);
        assertThat(timeouts.get()).as("timeouts").isPositive();
        assertThat(cancels.get()).as("cancellations").isPositive();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            PoolStats s = pool.stats();
            return s.leased() == 0 && s.waiting() == 0;
        });
        // Nothing lost in the statistics either: every lease lent was recorded once on acquire and once on
        // release, though most entries recorded into were retired (expired, evicted, invalid) meanwhile.
        PoolStats quiet = pool.stats();
        assertThat(quiet.acquireWait().count()).as("recorded acquires").isGreaterThanOrEqualTo(leasesTaken.get());
        assertThat(quiet.hold().count()).as("recorded holds").isEqualTo(quiet.acquireWait().count());
        assertThat(quiet.destroyed()).as("entries retired during the run").isGreaterThan(MAX_SIZE);
        // Nothing lost: the whole capacity can be leased at once.
        List<Lease<Resource>> all = new ArrayList<>();
        for (int i = 0; i < MAX_SIZE; i++) {
            all.add(pool.acquire(Duration.ofSeconds(5)));
        }
        assertThat(all).extracting(Lease::get).doesNotHaveDuplicates();
        all.forEach(Lease::close);

        pool.close();
        assertThat(factory.live).as("resources alive after close").isEmpty();
        assertThat(factory.destroyed.get()).isEqualTo(factory.created.get());
        PoolStats end = pool.stats();
        assertThat(end.created()).isEqualTo(end.destroyed());
        assertThat(end.shed()).as("callers shed under the standing queue").isPositive();
        System.out.printf("stress: %d leases, %d timeouts (%d of them shed at once), %d interrupts, %d cancels, %d created%n%s%n",
                leasesTaken.get(), timeouts.get(), end.shed(), interrupts.get(), cancels.get(), factory.created.get(), end);
    }

    private void work(Pool<Resource> pool, long deadline) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < deadline) {
            try {
                if (random.nextInt(10) < 7) {
                    try (Lease<Resource> lease = pool.acquire(Duration.ofMillis(1 + random.nextInt(100)))) {
                        use(lease, random);
                    }
                } else {
                    CompletableFuture<Lease<Resource>> future = pool.acquireAsync();
                    if (random.nextBoolean() && future.cancel(false)) {
                        cancels.incrementAndGet();
                        continue;
                    }
                    try (Lease<Resource> lease = future.join()) {
                        use(lease, random);
                    }
                }
            } catch (PoolOverloadedException e) {
                // shed at once: a real client told "overloaded" (an HTTP 503) comes back later, not in a moment
                timeouts.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1 + random.nextInt(50)));
            } catch (PoolTimeoutException e) {
                timedOut(random);
            } catch (CompletionException | CancellationException e) {
                if (e.getCause() instanceof PoolTimeoutException) { // shed ones included: rare on this path
                    timedOut(random);
                } else {
                    throw e;
                }
            } catch (InterruptedException e) {
                interrupts.incrementAndGet();
            }
            Thread.interrupted(); // an interrupt that arrived outside acquire is not this loop's business
        }
    }

    /** A starved client backs off before it tries again, as a real one does; an instant retry storm only measures the scheduler. */
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
        if (random.nextBoolean()) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(random.nextInt(50_000)); // simulated work, not synchronisation
        }
        if (random.nextInt(100) == 0) {
            lease.markBroken();
        }
        r.inUse.set(false);
    }
}
