package dev.berth.micrometer;

import static dev.berth.micrometer.PoolMeters.ACQUIRE;
import static dev.berth.micrometer.PoolMeters.CREATIONS;
import static dev.berth.micrometer.PoolMeters.LEASED;
import static dev.berth.micrometer.PoolMeters.RESOURCES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolListener;
import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registering, binding, closing and forgetting PoolMetrics: what stays in the registry and what does not. */
class PoolMetricsLifecycleTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().maxSize(2));

    private Pool<Resource> open(String name, PoolListener metrics) {
        return pools.open(c -> c.name(name).listener(metrics));
    }

    /** berth's meters of the pool (tag pool) and its OpenTelemetry-named ones (tag db.client.connection.pool.name). */
    private List<Meter> metersOf(String pool) {
        List<Meter> meters = new ArrayList<>(Search.in(registry).tag("pool", pool).meters());
        meters.addAll(Search.in(registry).tag(PoolMeters.POOL_NAME_TAG, pool).meters());
        return meters;
    }

    private List<Meter> berthMeters() {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("berth.pool.")).toList();
    }

    private List<Meter> conventionMeters() {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("db.client.connection.")).toList();
    }

    @Test
    void everyBerthMeterCarriesThePoolAndKindTagsAndEveryConventionMeterThePoolName() {
        PoolMetrics metrics = PoolMetrics.of(registry, "orders-db", "jdbc");
        metrics.bindTo(open("orders-db", metrics)::stats);

        assertThat(registry.getMeters()).hasSize(metersOf("orders-db").size())
                .hasSize(berthMeters().size() + conventionMeters().size());
        assertThat(berthMeters()).allSatisfy(meter -> assertThat(
                meter.getId().getTags()).contains(Tag.of("pool", "orders-db"), Tag.of("kind", "jdbc")));
        assertThat(conventionMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
                .contains(Tag.of("db.client.connection.pool.name", "orders-db"))
                .noneMatch(tag -> tag.getKey().equals("pool") || tag.getKey().equals("kind")));
        assertThat(berthMeters()).extracting(m -> m.getId().getName()).contains(
                "berth.pool.resources", "berth.pool.resources.idle", "berth.pool.resources.leased",
                "berth.pool.resources.max", "berth.pool.waiting", "berth.pool.acquire", "berth.pool.hold",
                "berth.pool.timeouts", "berth.pool.creations", "berth.pool.creation.failures",
                "berth.pool.destructions", "berth.pool.validation.failures", "berth.pool.leaks");
        assertThat(conventionMeters()).extracting(m -> m.getId().getName()).containsExactlyInAnyOrder(
                "db.client.connection.count", "db.client.connection.count", "db.client.connection.max",
                "db.client.connection.idle.min", "db.client.connection.idle.max",
                "db.client.connection.pending_requests", "db.client.connection.timeouts",
                "db.client.connection.create_time", "db.client.connection.wait_time", "db.client.connection.use_time");
    }

    @Test
    void extraTagsGoOnEveryMeterButCannotReplacePoolOrKind() {
        PoolMetrics metrics = PoolMetrics.builder(registry, "sessions", "redis")
                .tag("region", "eu-west")
                .tag("pool", "impostor")
                .build();

        assertThat(berthMeters()).isNotEmpty().allSatisfy(meter -> assertThat(meter.getId().getTags())
                .contains(Tag.of("region", "eu-west"), Tag.of("pool", "sessions"), Tag.of("kind", "redis")));
        assertThat(conventionMeters()).isNotEmpty().allSatisfy(meter -> assertThat(meter.getId().getTags())
                .contains(Tag.of("region", "eu-west"), Tag.of("db.client.connection.pool.name", "sessions"))
                .doesNotContain(Tag.of("pool", "impostor")));
        assertThat(metrics.pool()).isEqualTo("sessions");
        assertThat(metrics.kind()).isEqualTo("redis");
    }

    @Test
    void closeRemovesEveryMeterOfItsPoolAndNoOther() {
        PoolMetrics orders = PoolMetrics.of(registry, "orders-db", "jdbc");
        orders.bindTo(open("orders-db", orders)::stats);
        PoolMetrics sessions = PoolMetrics.of(registry, "sessions", "redis");
        int sessionMeters = metersOf("sessions").size();

        orders.close();
        orders.close(); // idempotent

        assertThat(metersOf("orders-db")).isEmpty();
        assertThat(metersOf("sessions")).hasSize(sessionMeters);
        assertThat(sessions.toString()).contains("sessions", "not bound");
    }

    @Test
    void aPoolCanBeMeteredAgainAfterItsMetricsWereClosed() throws Exception {
        PoolMetrics first = PoolMetrics.of(registry, "orders-db", "jdbc");
        Pool<Resource> old = open("orders-db", first);
        first.bindTo(old::stats);
        old.acquire().close();
        old.close();
        first.close();

        PoolMetrics second = PoolMetrics.of(registry, "orders-db", "jdbc");
        Pool<Resource> pool = open("orders-db", second);
        second.bindTo(pool::stats);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(registry.get(LEASED).tag("pool", "orders-db").gauge().value()).isEqualTo(1);
        }
        assertThat(registry.get(ACQUIRE).tag("pool", "orders-db").timer().count()).isEqualTo(1);
    }

    @Test
    void aSecondOpenMetricsForTheSamePoolIsRefused() {
        PoolMetrics first = PoolMetrics.of(registry, "orders-db", "jdbc");
        first.bindTo(open("orders-db", first)::stats);

        assertThatThrownBy(() -> PoolMetrics.of(registry, "orders-db", "jdbc"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pool 'orders-db' (kind jdbc)")
                .hasMessageContaining("metrics.close()");
        assertThat(PoolMetrics.of(registry, "orders-db-replica", "jdbc").pool()).isEqualTo("orders-db-replica");
    }

    @Test
    void bindingToTheStatsOfAnotherPoolIsRefused() {
        PoolMetrics metrics = PoolMetrics.of(registry, "orders-db", "jdbc");
        Pool<Resource> other = open("billing-db", PoolMetrics.of(registry, "billing-db", "jdbc"));

        assertThatThrownBy(() -> metrics.bindTo(other::stats))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'orders-db'")
                .hasMessageContaining("'billing-db'")
                .hasMessageContaining("setPoolName");
        assertThat(registry.find(RESOURCES).tag("pool", "orders-db").gauge()).isNull();
    }

    @Test
    void bindingTwiceOrAfterCloseIsRefused() {
        PoolMetrics metrics = PoolMetrics.of(registry, "orders-db", "jdbc");
        Pool<Resource> pool = open("orders-db", metrics);
        metrics.bindTo(pool::stats);
        assertThatThrownBy(() -> metrics.bindTo(pool::stats))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already bound");

        metrics.close();
        assertThatThrownBy(() -> metrics.bindTo(pool::stats))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void metricsSharedWithAPoolOfAnotherNameDoNotCountItsCreations() throws Exception {
        PoolMetrics metrics = PoolMetrics.of(registry, "orders-db", "jdbc");
        metrics.bindTo(open("orders-db", metrics)::stats);
        Pool<Resource> stranger = open("billing-db", metrics);

        try (Lease<Resource> lease = stranger.acquire()) {
            assertThat(lease.get()).isNotNull(); // the refusal is logged; the stranger pool works on
        }
        assertThat(registry.get(CREATIONS).tag("pool", "orders-db").counter().count()).isZero();
    }

    @Test
    void installBindsTheGaugesAndHandsOverTheListener() {
        Pool<Resource> pool = open("orders-db", PoolListener.NONE); // as an owner would, before it installs
        AtomicReference<PoolListener> installed = new AtomicReference<>();

        PoolMetrics metrics = PoolMetrics.install(registry, "orders-db", "memory", installed::set, pool::stats);

        assertThat(installed).hasValue(metrics);
        assertThat(registry.get(RESOURCES).tag("pool", "orders-db").gauge().value()).isZero();
    }

    @Test
    void installThatCannotHandOverTheListenerRemovesItsMeters() {
        Pool<Resource> pool = open("orders-db", PoolListener.NONE); // as an owner would, before it installs
        Consumer<PoolListener> tooLate = listener -> {
            throw new IllegalStateException("the pool has started");
        };

        assertThatThrownBy(() -> PoolMetrics.install(registry, "orders-db", "memory", tooLate, pool::stats))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("could not be installed as its listener: the pool has started")
                .hasMessageContaining("install metrics before the pool starts");
        assertThat(metersOf("orders-db")).isEmpty();
    }

    @Test
    void blankNamesAreRefusedWithTheFix() {
        assertThatThrownBy(() -> PoolMetrics.of(registry, " ", "jdbc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pool must not be blank");
        assertThatThrownBy(() -> PoolMetrics.of(registry, "orders-db", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"jdbc\" or \"redis\"");
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void gaugesDoNotKeepAClosedPoolReachable() throws Exception {
        WeakReference<Pool<Resource>> pool = useAndCloseAPoolWithoutClosingItsMetrics("forgotten");

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return pool.refersTo(null);
        });
        assertThat(registry.get(RESOURCES).tag("pool", "forgotten").gauge().value()).isNaN();
    }

    @Test
    void metersLeftByACollectedPoolAreTakenOverByItsSuccessor() throws Exception {
        WeakReference<Pool<Resource>> old = useAndCloseAPoolWithoutClosingItsMetrics("restarted");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return old.refersTo(null) && Double.isNaN(registry.get(RESOURCES).tag("pool", "restarted").gauge().value());
        });

        PoolMetrics metrics = PoolMetrics.of(registry, "restarted", "memory");
        Pool<Resource> pool = open("restarted", metrics);
        metrics.bindTo(pool::stats);
        try (Lease<Resource> lease = pool.acquire()) {
            assertThat(registry.get(LEASED).tag("pool", "restarted").gauge().value()).isEqualTo(1);
        }
        assertThat(registry.get(ACQUIRE).tag("pool", "restarted").timer().count()).isEqualTo(1); // counts start anew
    }

    /**
     * Leaves nothing reachable from the test but the registry's meters and the returned weak reference: the pool
     * is opened and closed here, not by {@link #pools}, which would keep it reachable until the test ends.
     */
    private WeakReference<Pool<Resource>> useAndCloseAPoolWithoutClosingItsMetrics(String name) throws Exception {
        PoolMetrics metrics = PoolMetrics.of(registry, name, "memory");
        Pool<Resource> pool = Pool.open(PoolConfig.builder().name(name).maxSize(2).listener(metrics).build(), factory);
        metrics.bindTo(pool::stats);
        pool.acquire().close();
        pool.acquire().close();
        assertThat(registry.get(ACQUIRE).tag("pool", name).timer().count()).isEqualTo(2);
        pool.close();
        return new WeakReference<>(pool);
    }
}
