package dev.berth.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolListener;
import dev.berth.pool.PoolTimeoutException;
import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real berth pool over an in-memory factory, reported to an OpenTelemetry SDK whose metrics the test reads back. */
class PoolTelemetryTest {
    private static final String POOL = "orders-db";
    private static final Attributes NAMED = Attributes.of(AttributeKey.stringKey("db.client.connection.pool.name"), POOL);
    private static final AttributeKey<String> STATE = AttributeKey.stringKey("db.client.connection.state");

    private final InMemoryMetricReader reader = InMemoryMetricReader.create();
    private final SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(reader).build();
    private final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder().setMeterProvider(meters).build();
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name(POOL)
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(2)));

    @AfterEach
    void closeSdk() {
        openTelemetry.close();
    }

    /** The idiom in PoolTelemetry's javadoc: the listener into the configuration, then bind the statistics. */
    private Pool<Resource> open(UnaryOperator<PoolConfig.Builder> config) {
        PoolTelemetry telemetry = PoolTelemetry.of(openTelemetry, POOL);
        Pool<Resource> pool = pools.open(c -> config.apply(c).listener(telemetry));
        telemetry.bindTo(pool::stats);
        return pool;
    }

    private static Optional<MetricData> metric(Collection<MetricData> collected, String name) {
        return collected.stream().filter(m -> m.getName().equals(name)).findFirst();
    }

    private long value(String name, Attributes attributes) {
        MetricData data = metric(reader.collectAllMetrics(), name).orElseThrow(() -> new AssertionError(name + " was not reported"));
        return data.getLongSumData().getPoints().stream().filter(p -> p.getAttributes().equals(attributes))
                .mapToLong(LongPointData::getValue).findFirst()
                .orElseThrow(() -> new AssertionError(name + " has no point for " + attributes));
    }

    private long value(String name) {
        return value(name, NAMED);
    }

    private long count(String state) {
        return value("db.client.connection.count", NAMED.toBuilder().put(STATE, state).build());
    }

    private HistogramPointData histogram(String name) {
        MetricData data = metric(reader.collectAllMetrics(), name).orElseThrow(() -> new AssertionError(name + " was not reported"));
        assertThat(data.getType()).isEqualTo(MetricDataType.HISTOGRAM);
        assertThat(data.getUnit()).isEqualTo("s");
        List<HistogramPointData> points = List.copyOf(data.getHistogramData().getPoints());
        assertThat(points).hasSize(1);
        assertThat(points.getFirst().getAttributes()).isEqualTo(NAMED);
        return points.getFirst();
    }

    @Test
    void countReportsIdleAndUsedConnectionsAsTheyAreLeased() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(3));
        Lease<Resource> a = pool.acquire();
        Lease<Resource> b = pool.acquire();
        assertThat(count("used")).isEqualTo(2);
        assertThat(count("idle")).isZero();

        b.close();
        assertThat(count("used")).isEqualTo(1);
        assertThat(count("idle")).isEqualTo(1);
        a.close();
        assertThat(count("used")).isZero();
        assertThat(count("idle")).isEqualTo(2);
    }

    @Test
    void theSizesAreTheConfigurationsWithTheConventionsUnitsAndKinds() {
        open(c -> c.maxSize(4).minIdle(2));
        Collection<MetricData> collected = reader.collectAllMetrics();

        assertThat(value("db.client.connection.max")).isEqualTo(4);
        assertThat(value("db.client.connection.idle.min")).isEqualTo(2);
        assertThat(value("db.client.connection.idle.max")).isEqualTo(4); // every resource of the pool may be idle
        for (String upDown : List.of("db.client.connection.count", "db.client.connection.max",
                "db.client.connection.idle.min", "db.client.connection.idle.max", "db.client.connection.pending_requests")) {
            MetricData data = metric(collected, upDown).orElseThrow();
            assertThat(data.getType()).as(upDown).isEqualTo(MetricDataType.LONG_SUM);
            assertThat(data.getLongSumData().isMonotonic()).as(upDown).isFalse();
            assertThat(data.getUnit()).as(upDown)
                    .isEqualTo(upDown.endsWith("pending_requests") ? "{request}" : "{connection}");
            assertThat(data.getInstrumentationScopeInfo().getName()).isEqualTo(PoolTelemetry.SCOPE);
        }
        MetricData timeouts = metric(collected, "db.client.connection.timeouts").orElseThrow();
        assertThat(timeouts.getLongSumData().isMonotonic()).isTrue();
        assertThat(timeouts.getUnit()).isEqualTo("{timeout}");
    }

    @Test
    void pendingRequestsCountsACallerBlockedOnAFullPool() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        CountDownLatch acquiring = new CountDownLatch(1);
        CompletableFuture<Integer> waiter = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            acquiring.countDown();
            try (Lease<Resource> lease = pool.acquire()) {
                waiter.complete(lease.get().id);
            } catch (Throwable e) {
                waiter.completeExceptionally(e);
            }
        });
        assertThat(acquiring.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().waiting() == 1); // queued, not just started

        assertThat(value("db.client.connection.pending_requests")).isEqualTo(1);
        held.close();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(value("db.client.connection.pending_requests")).isZero();
    }

    @Test
    void timeoutsCountAnAcquireThatFoundNothingInTime() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1));
        assertThat(value("db.client.connection.timeouts")).isZero(); // reported from the start, not from the first timeout
        try (Lease<Resource> held = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(10))).isInstanceOf(PoolTimeoutException.class);
        }

        assertThat(value("db.client.connection.timeouts")).isEqualTo(1);
        assertThat(histogram("db.client.connection.wait_time").getCount()).isEqualTo(1); // the timed-out caller got none
    }

    @Test
    void waitUseAndCreateTimesAreRecordedOncePerEventInSeconds() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(2));
        long heldAtLeast;
        try (Lease<Resource> a = pool.acquire()) {
            long start = System.nanoTime();
            try (Lease<Resource> b = pool.acquire()) {
                assertThat(b.get()).isNotSameAs(a.get());
            }
            heldAtLeast = System.nanoTime() - start;
        }
        for (int i = 0; i < 8; i++) {
            pool.acquire().close();
        }

        assertThat(histogram("db.client.connection.wait_time").getCount()).isEqualTo(10);
        HistogramPointData use = histogram("db.client.connection.use_time");
        assertThat(use.getCount()).isEqualTo(10);
        assertThat(use.getMax()).isGreaterThanOrEqualTo(heldAtLeast / 1e9).isLessThan(10); // seconds, not nanoseconds
        HistogramPointData create = histogram("db.client.connection.create_time");
        assertThat(create.getCount()).isEqualTo(factory.created.get()).isEqualTo(2);
        assertThat(create.getSum()).isPositive();
        assertThat(create.getBoundaries()).startsWith(0.00001, 0.0001).endsWith(30.0);
    }

    @Test
    void closeStopsReportingThePool() throws Exception {
        PoolTelemetry telemetry = PoolTelemetry.of(openTelemetry, POOL);
        Pool<Resource> pool = pools.open(c -> c.maxSize(1).listener(telemetry));
        telemetry.bindTo(pool::stats);
        pool.acquire().close();
        assertThat(count("idle")).isEqualTo(1);

        telemetry.close();
        telemetry.close(); // idempotent
        pool.acquire().close();
        pool.acquire().close();

        Collection<MetricData> collected = reader.collectAllMetrics();
        assertThat(collected).extracting(MetricData::getName).doesNotContain("db.client.connection.count",
                "db.client.connection.max", "db.client.connection.pending_requests", "db.client.connection.timeouts");
        assertThat(histogram("db.client.connection.wait_time").getCount()).isEqualTo(1); // what it had, nothing since
        assertThat(histogram("db.client.connection.use_time").getCount()).isEqualTo(1);
        assertThat(telemetry.toString()).contains("closed");
    }

    @Test
    void aSecondTelemetryForTheSamePoolNameIsRefusedUntilTheFirstCloses() {
        PoolTelemetry first = PoolTelemetry.of(openTelemetry, POOL);

        assertThatThrownBy(() -> PoolTelemetry.of(openTelemetry, POOL))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pool 'orders-db' is already reported")
                .hasMessageContaining("telemetry.close()");
        assertThat(PoolTelemetry.of(openTelemetry, "orders-db-replica").pool()).isEqualTo("orders-db-replica");
        try (OpenTelemetrySdk other = OpenTelemetrySdk.builder().build()) {
            assertThat(PoolTelemetry.of(other, POOL).pool()).isEqualTo(POOL); // another SDK is another application's
        }
        first.close();
        assertThat(PoolTelemetry.of(openTelemetry, POOL).pool()).isEqualTo(POOL);
    }

    @Test
    void bindingToTheStatsOfAnotherPoolIsRefused() {
        PoolTelemetry telemetry = PoolTelemetry.of(openTelemetry, POOL);
        Pool<Resource> other = pools.open(c -> c.name("billing-db"));

        assertThatThrownBy(() -> telemetry.bindTo(other::stats))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("telemetry for pool 'orders-db' was bound to the statistics of pool 'billing-db'");
        assertThat(metric(reader.collectAllMetrics(), "db.client.connection.count")).isEmpty();
    }

    @Test
    void installBindsAndHandsOverTheListener() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1)); // as an owner would, before it installs
        AtomicReference<PoolListener> installed = new AtomicReference<>();

        PoolTelemetry telemetry = PoolTelemetry.install(openTelemetry, POOL, installed::set, pool::stats);

        assertThat(installed).hasValue(telemetry);
        assertThat(value("db.client.connection.max")).isEqualTo(1);
    }

    @Test
    void installThatCannotHandOverTheListenerStopsReportingAndFreesTheName() {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        Consumer<PoolListener> tooLate = listener -> {
            throw new IllegalStateException("the pool has started");
        };

        assertThatThrownBy(() -> PoolTelemetry.install(openTelemetry, POOL, tooLate, pool::stats))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("could not be installed as its listener: the pool has started")
                .hasMessageContaining("install telemetry before the pool starts");
        assertThat(metric(reader.collectAllMetrics(), "db.client.connection.max")).isEmpty();
        assertThat(PoolTelemetry.of(openTelemetry, POOL).pool()).isEqualTo(POOL);
    }

    @Test
    void theSdkDoesNotKeepAForgottenPoolReachable() throws Exception {
        WeakReference<Pool<Resource>> pool = useAndCloseAPoolWithoutClosingItsTelemetry();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return pool.refersTo(null);
        });
        assertThat(metric(reader.collectAllMetrics(), "db.client.connection.count")).isEmpty();
        assertThat(PoolTelemetry.of(openTelemetry, POOL).pool()).isEqualTo(POOL); // the name is free again
    }

    /** Opens and closes the pool here, not through {@link #pools}, which would keep it reachable. */
    private WeakReference<Pool<Resource>> useAndCloseAPoolWithoutClosingItsTelemetry() throws Exception {
        PoolTelemetry telemetry = PoolTelemetry.of(openTelemetry, POOL);
        Pool<Resource> pool = Pool.open(PoolConfig.builder().name(POOL).maxSize(1).listener(telemetry).build(), factory);
        telemetry.bindTo(pool::stats);
        pool.acquire().close();
        assertThat(count("idle")).isEqualTo(1);
        pool.close();
        return new WeakReference<>(pool);
    }
}
