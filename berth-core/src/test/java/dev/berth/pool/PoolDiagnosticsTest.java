package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class PoolDiagnosticsTest {
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("forensics")
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(5)).callSites(true));
    private final List<Thread> holders = new ArrayList<>();
    private final CountDownLatch releaseHolders = new CountDownLatch(1);
    private final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord record) { logs.add(record); }
        @Override public void flush() { }
        @Override public void close() { }
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("dev.berth.pool").addHandler(capture);
    }

    /** Runs before {@link #pools} closes the pools, so no lease is still held then. */
    @AfterEach
    void releaseHoldersAndStopCapturing() throws InterruptedException {
        releaseHolders.countDown();
        for (Thread t : holders) {
            t.join();
        }
        Logger.getLogger("dev.berth.pool").removeHandler(capture);
    }

    private List<String> messages() {
        return logs.stream().map(r -> java.text.MessageFormat.format(r.getMessage(), r.getParameters())).toList();
    }

    private void holdOn(Pool<Resource> pool, String state, String who) throws InterruptedException {
        CountDownLatch taken = new CountDownLatch(1);
        Runnable body = "OrderService".equals(who)
                ? () -> orderServicePlacesAnOrder(pool, state, taken)
                : () -> reportJobRunsForever(pool, state, taken);
        holders.add(Thread.ofVirtual().name(who + "-worker").start(body));
        taken.await();
    }

    private void orderServicePlacesAnOrder(Pool<Resource> pool, String state, CountDownLatch taken) {
        try (Lease<Resource> lease = pool.acquire()) {
            holdUntilReleased(lease, state, taken);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void reportJobRunsForever(Pool<Resource> pool, String state, CountDownLatch taken) {
        try (Lease<Resource> lease = pool.acquire()) {
            holdUntilReleased(lease, state, taken);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void holdUntilReleased(Lease<Resource> lease, String state, CountDownLatch taken)
            throws InterruptedException {
        lease.state(state);
        taken.countDown();
        releaseHolders.await();
    }

    @Test
    void starvationErrorNamesTheHoldersCallSitesHoldTimesAndWaiters() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        holdOn(pool, "in transaction", "OrderService");
        holdOn(pool, "report query", "ReportJob");
        Thread otherWaiter = Thread.ofVirtual().start(() -> {
            try {
                pool.acquire().close();
            } catch (InterruptedException | PoolException ignored) {
                // released or closed at the end of the test
            }
        });
        holders.add(otherWaiter);
        await().until(() -> pool.stats().waiting() == 1);

        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(50)))
                .isInstanceOf(PoolTimeoutException.class)
                .hasMessageContaining("pool 'forensics'")
                .hasMessageContaining("waiting=1")
                .hasMessageContaining("leased=2")
                .hasMessageContaining("PoolDiagnosticsTest.orderServicePlacesAnOrder")
                .hasMessageContaining("PoolDiagnosticsTest.reportJobRunsForever")
                .hasMessageContaining("(in transaction)")
                .hasMessageContaining("(report query)")
                .hasMessageContaining("by OrderService-worker")
                .hasMessageMatching("(?s).*held \\d+(ns|µs|ms|s) by OrderService-worker.*");
    }

    @Test
    void reportListsTheLongestHolderFirst() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(3));
        holdOn(pool, "first", "OrderService");
        holdOn(pool, "second", "ReportJob");
        PoolReport report = pool.report();
        assertThat(report.holders()).hasSize(2);
        assertThat(report.holders().get(0).state()).isEqualTo("first");
        assertThat(report.holders().get(0).site().getMethodName()).isEqualTo("orderServicePlacesAnOrder");
        assertThat(report.holders().get(0).heldFor()).isGreaterThanOrEqualTo(report.holders().get(1).heldFor());
        assertThat(report.toString()).contains("longest holders", "first", "second");
    }

    @Test
    void withoutCallSitesTheReportSaysWhereEachHolderIsNow() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).callSites(false));
        holdOn(pool, "in transaction", "OrderService");
        PoolReport.Holding holding = pool.report().holders().getFirst();
        assertThat(holding.siteAtAcquire()).isFalse();
        assertThat(holding.site().getMethodName()).isEqualTo("holdUntilReleased");
        assertThat(holding.toString()).contains("now at dev.berth.pool.PoolDiagnosticsTest.holdUntilReleased");
        try (Lease<Resource> second = pool.acquire()) {
            assertThat(pool.report().holders()).hasSize(2);
        }
    }

    @Test
    void droppedLeaseIsReportedDestroyedAndItsCapacityComesBack() throws Exception {
        AtomicInteger dropped = new AtomicInteger();
        List<PoolReport.Holding> seen = new CopyOnWriteArrayList<>();
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).housekeepingPeriod(Duration.ofMillis(10)).listener(new PoolListener() {
            @Override public void leak(String p, PoolReport.Holding holding, boolean wasDropped) {
                if (wasDropped) {
                    dropped.incrementAndGet();
                    seen.add(holding);
                }
            }
        }));
        forgetToCloseALease(pool);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return dropped.get() == 1;
        });
        assertThat(seen.getFirst().site().getMethodName()).isEqualTo("forgetToCloseALease");
        assertThat(seen.getFirst().state()).isEqualTo("exporting"); // set before any scan watched it
        try (Lease<Resource> lease = pool.acquire(Duration.ofSeconds(5))) {
            assertThat(lease.get().id).isEqualTo(2); // the dropped one was destroyed, a new one made
        }
        await().until(() -> factory.destroyed.get() == 1);
        assertThat(messages()).anyMatch(m -> m.contains("dropped without close()") && m.contains("forgetToCloseALease"));
    }

    private static void forgetToCloseALease(Pool<Resource> pool) throws InterruptedException {
        pool.acquire().state("exporting"); // never closed: the bug the pool must survive
    }

    @Test
    void aLeaseTheScanWatchesKeepsItsStateInReportsAndComesBackCleanly() throws Exception {
        AtomicInteger leaks = new AtomicInteger();
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).housekeepingPeriod(Duration.ofMillis(10)).listener(new PoolListener() {
            @Override public void leak(String p, PoolReport.Holding holding, boolean wasDropped) {
                leaks.incrementAndGet();
            }
        }));
        Lease<Resource> lease = pool.acquire();
        lease.state("first");
        PooledEntry<?> entry = ((PooledLease<?>) lease).entry;
        // Held strongly until a scan sees it (PoolAllocationTest shows no watch is made per borrow); not asserted
        // here, where a scan every 10 ms may already have come.
        await().atMost(Duration.ofSeconds(10)).until(() -> entry.holder() instanceof LeaseWatch);
        lease.state("second"); // after the watch: reports read the live lease
        System.gc(); // the lease is still referenced here, so the watch must not lose it
        assertThat(((LeaseWatch) entry.holder()).refersTo(null)).isFalse();
        assertThat(pool.report().holders()).singleElement().satisfies(h -> assertThat(h.state()).isEqualTo("second"));
        lease.close();
        assertThat(entry.holder()).isNull();
        assertThat(pool.report().holders()).isEmpty();
        try (Lease<Resource> again = pool.acquire(Duration.ofSeconds(5))) {
            assertThat(again.get()).isSameAs(entry.resource); // the same resource, not replaced
        }
        assertThat(leaks).hasValue(0);
        assertThat(factory.destroyed).hasValue(0);
    }

    @Test
    void leaseHeldPastTheLeakThresholdIsReportedOnceWithItsStack() throws Exception {
        List<PoolReport.Holding> reported = new CopyOnWriteArrayList<>();
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).leakDetectionThreshold(Duration.ofMillis(30)).listener(new PoolListener() {
            @Override public void leak(String p, PoolReport.Holding holding, boolean wasDropped) {
                reported.add(holding);
            }
        }));
        Lease<Resource> lease = pool.acquire();
        await().until(() -> reported.size() == 1);
        await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(2)).until(() -> reported.size() == 1);
        assertThat(reported.getFirst().stack()).anyMatch(f -> f.getMethodName().contains("leaseHeldPastTheLeakThreshold"));
        assertThat(messages()).anyMatch(m -> m.contains("possible leak") && m.contains("leaseHeldPastTheLeakThreshold"));
        lease.close();
        assertThat(messages()).anyMatch(m -> m.contains("reported as a possible leak was returned"));
    }

    @Test
    void slowLeaseIsLoggedWhenReturnedWithItsSite() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).slowLeaseThreshold(Duration.ofMillis(300)));
        pool.acquire().close(); // fast: not logged
        Lease<Resource> slow = pool.acquire();
        await().until(() -> slow.heldFor().toMillis() > 300);
        slow.close();
        List<String> slowLines = messages().stream().filter(m -> m.contains("slow-lease threshold")).toList();
        assertThat(slowLines).hasSize(1);
        assertThat(slowLines.getFirst()).contains("slowLeaseIsLoggedWhenReturnedWithItsSite");
    }

    @Test
    void saturationIsLoggedOncePerEpisode() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).housekeepingPeriod(Duration.ofMillis(10)));
        Lease<Resource> held = pool.acquire();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waiters.add(Thread.ofVirtual().start(() -> {
                try {
                    pool.acquire().close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        await().until(() -> pool.stats().waiting() == 10);
        held.close();
        for (Thread t : waiters) {
            t.join();
        }
        await().until(() -> messages().stream().anyMatch(m -> m.contains("no longer saturated")));
        assertThat(messages().stream().filter(m -> m.contains("is saturated"))).hasSize(1);
        assertThat(messages().stream().filter(m -> m.contains("no longer saturated"))).hasSize(1);
    }

    @Test
    void aSaturationEpisodeEndsWhenCallersStopQueuingNotAtTheNextHousekeeping() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).housekeepingPeriod(Duration.ofHours(1)));
        Lease<Resource> held = pool.acquire();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                pool.acquire().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().until(() -> pool.stats().waiting() == 1);
        held.close();
        waiter.join();

        await().atMost(Duration.ofSeconds(5)).until(() -> messages().stream().anyMatch(m -> m.contains("no longer saturated")));
        String end = messages().stream().filter(m -> m.contains("no longer saturated")).findFirst().orElseThrow();
        assertThat(end).as("one caller queued once: not the time until a check").containsPattern("queued for about \\d+(ns|µs|ms),");
    }

    @Test
    void growingAboveTheCoreSizeIsLoggedOncePerEpisode() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(4).minIdle(1).idleTimeout(Duration.ofMillis(1))
                .housekeepingPeriod(Duration.ofMillis(10)));
        List<Lease<Resource>> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(pool.acquire());
        }
        leases.forEach(Lease::close);
        await().until(() -> messages().stream().anyMatch(m -> m.contains("is back to its core size")));
        assertThat(messages().stream().filter(m -> m.contains("grew above its core size (minIdle 1)"))).hasSize(1);
        assertThat(pool.stats().total()).isEqualTo(1);
    }

    @Test
    void periodicReporterLogsThePoolsState() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2).name("reported").reportInterval(Duration.ofMillis(20)));
        pool.acquire().close();
        await().until(() -> messages().stream().filter(m -> m.startsWith("reported: total=")).count() >= 2);
        assertThat(messages()).anyMatch(m -> m.startsWith("reported: total=1 idle=1") && m.contains("acquire wait:"));
    }

    @Test
    void listenerSeesEveryEventExactlyOnce() throws Exception {
        AtomicInteger acquired = new AtomicInteger();
        AtomicInteger released = new AtomicInteger();
        AtomicInteger created = new AtomicInteger();
        AtomicInteger destroyed = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).listener(new PoolListener() {
            @Override public void acquired(String p, long wait) { acquired.incrementAndGet(); }
            @Override public void released(String p, long hold) { released.incrementAndGet(); }
            @Override public void created(String p) { created.incrementAndGet(); }
            @Override public void destroyed(String p, String reason) { destroyed.incrementAndGet(); }
            @Override public void timedOut(PoolReport report) { timedOut.incrementAndGet(); }
        }));
        for (int i = 0; i < 25; i++) {
            pool.acquire().close();
        }
        try (Lease<Resource> lease = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(10))).isInstanceOf(PoolTimeoutException.class);
            lease.markBroken();
        }
        await().until(() -> destroyed.get() == 1);
        assertThat(acquired).hasValue(26);
        assertThat(released).hasValue(26);
        assertThat(created).hasValue(1);
        assertThat(timedOut).hasValue(1);
    }

    @Test
    void listenerIsToldHowLongEachCreationTookEnclosingTheFactoryCall() throws Exception {
        AtomicLong insideFactory = new AtomicLong();
        ResourceFactory<Resource> timed = new ResourceFactory<>() {
            @Override public Resource create() throws Exception {
                long start = System.nanoTime();
                Resource r = factory.create();
                insideFactory.set(System.nanoTime() - start);
                return r;
            }
            @Override public void destroy(Resource r) { factory.destroy(r); }
        };
        AtomicLong reported = new AtomicLong(-1);
        AtomicInteger oldStyle = new AtomicInteger();
        PoolListener listener = new PoolListener() {
            @Override public void created(String p, long createNanos) { reported.set(createNanos); }
        };
        PoolListener legacy = new PoolListener() {
            @Override public void created(String p) { oldStyle.incrementAndGet(); }
        };
        try (Pool<Resource> pool = Pool.open(PoolConfig.builder().name("timed").maxSize(1).listener(listener).build(), timed);
             Pool<Resource> old = Pool.open(PoolConfig.builder().name("legacy").maxSize(1).listener(legacy).build(), factory)) {
            pool.acquire().close();
            old.acquire().close();
            await().until(() -> reported.get() >= 0 && oldStyle.get() == 1);
        }
        assertThat(reported.get()).isPositive().isGreaterThanOrEqualTo(insideFactory.get());
    }

    @Test
    void statsCarryTheConfiguredSizesAndFollowAReconfiguration() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(4).minIdle(3));
        assertThat(pool.stats().maxSize()).isEqualTo(4);
        assertThat(pool.stats().minIdle()).isEqualTo(3);

        pool.reconfigure(settings -> settings.maxSize(6).minIdle(1));
        assertThat(pool.stats().maxSize()).isEqualTo(6);
        assertThat(pool.stats().minIdle()).isEqualTo(1);
    }

    @Test
    void flightRecorderEventsMatchTheWorkload(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pool.jfr");
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).name("jfr-pool").slowLeaseThreshold(Duration.ofMillis(200)));
        try (Recording recording = new Recording()) {
            recording.enable("dev.berth.pool.Acquire").with("minWait", "0 ns"); // every acquire, not only slow ones
            recording.enable("dev.berth.pool.Timeout");
            recording.enable("dev.berth.pool.LongHold");
            recording.enable("dev.berth.pool.Eviction");
            recording.start();
            for (int i = 0; i < 40; i++) {
                pool.acquire().close();
            }
            Lease<Resource> lease = pool.acquire();
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5))).isInstanceOf(PoolTimeoutException.class);
            await().until(() -> lease.heldFor().toMillis() > 200);
            lease.markBroken();
            lease.close();
            await().until(() -> factory.destroyed.get() == 1);
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> "jfr-pool".equals(e.getString("pool"))).toList();
        assertThat(events.stream().filter(e -> e.getEventType().getName().equals("dev.berth.pool.Acquire"))).hasSize(41);
        assertThat(events.stream().filter(e -> e.getEventType().getName().equals("dev.berth.pool.Timeout"))).hasSize(1);
        assertThat(events.stream().filter(e -> e.getEventType().getName().equals("dev.berth.pool.LongHold"))).hasSize(1);
        assertThat(events.stream().filter(e -> e.getEventType().getName().equals("dev.berth.pool.Eviction")))
                .singleElement().satisfies(e -> assertThat(e.getString("reason")).isEqualTo("broken"));
        assertThat(Files.size(file)).isPositive();
    }

    @Test
    void byDefaultFlightRecorderKeepsOnlyAcquiresThatWaited(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pool.jfr");
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).name("jfr-default"));
        try (Recording recording = new Recording()) {
            recording.enable("dev.berth.pool.Acquire"); // minWait at its default, 10 ms
            recording.start();
            for (int i = 0; i < 40; i++) {
                pool.acquire().close(); // no wait: not recorded
            }
            Lease<Resource> held = pool.acquire();
            CountDownLatch waiting = new CountDownLatch(1);
            Thread waiter = Thread.ofVirtual().start(() -> {
                waiting.countDown();
                try (Lease<Resource> lease = pool.acquire()) {
                    assertThat(lease).isNotNull();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            waiting.await();
            await().until(() -> pool.stats().waiting() == 1);
            long parkedSince = System.nanoTime();
            await().until(() -> System.nanoTime() - parkedSince > Duration.ofMillis(20).toNanos()); // the wait under test
            held.close();
            waiter.join();
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> acquires = RecordingFile.readAllEvents(file).stream()
                .filter(e -> "jfr-default".equals(e.getString("pool"))).toList();
        assertThat(acquires).singleElement()
                .satisfies(e -> assertThat(e.getDuration("waitNanos")).isGreaterThanOrEqualTo(Duration.ofMillis(10)));
    }

    @Test
    void minWaitSettingParsesJfcDurationsAndTheSmallestOfSeveralRecordingsWins() {
        assertThat(PoolEvents.MinWait.parse("10 ms")).isEqualTo(10_000_000L);
        assertThat(PoolEvents.MinWait.parse("0 ns")).isZero();
        assertThat(PoolEvents.MinWait.parse("2 s")).isEqualTo(2_000_000_000L);
        assertThat(PoolEvents.MinWait.parse("soon")).isEqualTo(-1);
        PoolEvents.MinWait setting = new PoolEvents.MinWait();
        assertThat(setting.combine(Set.of())).isEqualTo(PoolEvents.MinWait.DEFAULT);
        assertThat(setting.combine(Set.of("20 ms", "1 ms", "bad"))).isEqualTo("1 ms");
    }
}
