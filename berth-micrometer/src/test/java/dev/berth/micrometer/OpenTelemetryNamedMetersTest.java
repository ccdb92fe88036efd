package dev.berth.micrometer;

import static dev.berth.micrometer.PoolMeters.CONNECTION_COUNT;
import static dev.berth.micrometer.PoolMeters.CONNECTION_IDLE_MAX;
import static dev.berth.micrometer.PoolMeters.CONNECTION_IDLE_MIN;
import static dev.berth.micrometer.PoolMeters.CONNECTION_MAX;
import static dev.berth.micrometer.PoolMeters.CONNECTION_TIMEOUTS;
import static dev.berth.micrometer.PoolMeters.CREATE_TIME;
import static dev.berth.micrometer.PoolMeters.PENDING_REQUESTS;
import static dev.berth.micrometer.PoolMeters.POOL_NAME_TAG;
import static dev.berth.micrometer.PoolMeters.STATE_TAG;
import static dev.berth.micrometer.PoolMeters.USE_TIME;
import static dev.berth.micrometer.PoolMeters.WAIT_TIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolTimeoutException;
import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The meters named by the OpenTelemetry semantic conventions for database client connection pools
 * ({@link MeterConvention#OPENTELEMETRY}), on a real berth pool over an in-memory factory.
 */
class OpenTelemetryNamedMetersTest {
    private static final String POOL = "orders-db";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name(POOL)
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(2)));

    private Pool<Resource> open(PoolMetrics metrics, UnaryOperator<PoolConfig.Builder> config) {
        Pool<Resource> pool = pools.open(c -> config.apply(c).listener(metrics));
        metrics.bindTo(pool::stats);
        return pool;
    }

    private Pool<Resource> open(UnaryOperator<PoolConfig.Builder> config) {
        return open(PoolMetrics.of(registry, POOL, "jdbc"), config);
    }

    private double gauge(String name) {
        return registry.get(name).tag(POOL_NAME_TAG, POOL).gauge().value();
    }

    private double count(String state) {
        return registry.get(CONNECTION_COUNT).tags(POOL_NAME_TAG, POOL, STATE_TAG, state).gauge().value();
    }

    private Timer timer(String name) {
        return registry.get(name).tag(POOL_NAME_TAG, POOL).timer();
    }

    @Test
    void theSizesReadTheConfigurationAndTheCountFollowsLeasesByState() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(3).minIdle(2));
        await().atMost(Duration.ofSeconds(5)).until(() -> count("idle") == 2);

        assertThat(gauge(CONNECTION_MAX)).isEqualTo(3);
        assertThat(gauge(CONNECTION_IDLE_MIN)).isEqualTo(2);
        assertThat(gauge(CONNECTION_IDLE_MAX)).isEqualTo(3); // berth lets every resource of the pool be idle
        assertThat(count("used")).isZero();
        try (Lease<Resource> a = pool.acquire(); Lease<Resource> b = pool.acquire()) {
            assertThat(count("used")).isEqualTo(2);
        }
        assertThat(count("used")).isZero();
    }

    @Test
    void pendingRequestsCountsACallerBlockedOnAFullPool() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1));
        Lease<Resource> held = pool.acquire();
        CompletableFuture<Integer> waiter = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Lease<Resource> lease = pool.acquire()) {
                waiter.complete(lease.get().id);
            } catch (Throwable e) {
                waiter.completeExceptionally(e);
            }
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(PENDING_REQUESTS) == 1);
        held.close();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(gauge(PENDING_REQUESTS)).isZero();
        assertThat(timer(WAIT_TIME).count()).isEqualTo(2);
        assertThat(timer(WAIT_TIME).max(TimeUnit.NANOSECONDS)).isPositive();
    }

    @Test
    void timeoutsAreTheAcquiresThatFoundNothingInTime() throws Exception {
        Pool<Resource> pool = open(c -> c.maxSize(1));
        assertThat(registry.get(CONNECTION_TIMEOUTS).tag(POOL_NAME_TAG, POOL).functionCounter().count()).isZero();
        try (Lease<Resource> held = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(10))).isInstanceOf(PoolTimeoutException.class);
        }
        assertThat(registry.get(CONNECTION_TIMEOUTS).tag(POOL_NAME_TAG, POOL).functionCounter().count()).isEqualTo(1);
        assertThat(timer(WAIT_TIME).count()).isEqualTo(1); // the timed-out caller got no connection
    }

    @Test
    void createWaitAndUseTimesAreRecordedOncePerEventInSeconds() throws Exception {
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

        assertThat(timer(WAIT_TIME).count()).isEqualTo(10);
        assertThat(timer(USE_TIME).count()).isEqualTo(10);
        assertThat(timer(USE_TIME).max(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(heldAtLeast);
        assertThat(timer(CREATE_TIME).count()).isEqualTo(factory.created.get()).isEqualTo(pool.stats().created());
        assertThat(timer(CREATE_TIME).totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(timer(WAIT_TIME).getId().getBaseUnit()).isEqualTo("seconds");
        assertThat(timer(WAIT_TIME).getId().getDescription())
                .isEqualTo("The time it took to obtain an open connection from the pool");
    }

    @Test
    void theCountsCarryNoBaseUnitSoTheirNamesStayTheConventions() {
        open(c -> c.maxSize(1));

        assertThat(registry.getMeters()).filteredOn(m -> m.getId().getType() != Meter.Type.TIMER)
                .filteredOn(m -> m.getId().getName().startsWith("db.client.connection."))
                .isNotEmpty()
                .allSatisfy(m -> assertThat(m.getId().getBaseUnit()).isNull());
    }

    @Test
    void onlyTheConventionsMetersWhenOnlyTheyAreAskedFor() throws Exception {
        PoolMetrics metrics = PoolMetrics.builder(registry, POOL, "jdbc").conventions(MeterConvention.OPENTELEMETRY).build();
        Pool<Resource> pool = open(metrics, c -> c.maxSize(1));
        try (Lease<Resource> lease = pool.acquire()) {
            lease.markBroken(); // berth would count this destruction; here nothing should break for want of its counter
        }
        pool.acquire().close();

        assertThat(registry.getMeters()).isNotEmpty()
                .allSatisfy(m -> assertThat(m.getId().getName()).startsWith("db.client.connection."));
        assertThat(timer(WAIT_TIME).count()).isEqualTo(2);
        assertThat(timer(CREATE_TIME).count()).isEqualTo(2);
    }

    @Test
    void onlyBerthsMetersWhenOnlyTheyAreAskedFor() throws Exception {
        PoolMetrics metrics = PoolMetrics.builder(registry, POOL, "jdbc").conventions(MeterConvention.BERTH).build();
        Pool<Resource> pool = open(metrics, c -> c.maxSize(1));
        pool.acquire().close();

        assertThat(registry.getMeters()).isNotEmpty()
                .allSatisfy(m -> assertThat(m.getId().getName()).startsWith("berth.pool."));
        assertThat(registry.get(PoolMeters.ACQUIRE).tag("pool", POOL).timer().count()).isEqualTo(1);
    }

    @Test
    void twoPoolsOfOneNameAreRefusedUnderTheConventionsEvenWhenTheirKindsDiffer() {
        PoolMetrics.of(registry, "main", "jdbc");

        assertThatThrownBy(() -> PoolMetrics.of(registry, "main", "redis"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pool 'main' (kind redis)")
                .hasMessageContaining("tell pools apart by name alone");
        // berth's own names tell them apart by kind, as before
        PoolMetrics redis = PoolMetrics.builder(registry, "main", "redis").conventions(MeterConvention.BERTH).build();
        assertThat(redis.kind()).isEqualTo("redis");
    }

    @Test
    void closeRemovesTheConventionsMetersToo() throws Exception {
        PoolMetrics metrics = PoolMetrics.of(registry, POOL, "jdbc");
        open(metrics, c -> c.maxSize(1)).acquire().close();
        metrics.close();

        assertThat(registry.getMeters()).isEmpty();
    }
}
