package dev.berth.micrometer;

/**
 * Which names {@link PoolMetrics} registers a pool's meters under; choose with
 * {@link PoolMetricsBuilder#conventions}. Both by default.
 *
 * {@snippet :
 * PoolMetrics metrics = PoolMetrics.builder(registry, "orders-db", "jdbc")
 *         .conventions(MeterConvention.OPENTELEMETRY)   // only the names your dashboards already use
 *         .build();
 * }
 */
public enum MeterConvention {
    /**
     * berth's own meters, {@code berth.pool.*}, tagged {@code pool} and {@code kind}: sizes, waits and holds, and
     * what berth alone counts (creations and their failures, destructions by reason, failed validations, leaks).
     */
    BERTH,
    /**
     * The OpenTelemetry semantic conventions for database client connection pools, {@code db.client.connection.*},
     * tagged {@code db.client.connection.pool.name} (and {@code db.client.connection.state} on the count): the
     * names shared dashboards and alerts are built on, for any pool, JDBC or not. Written from semantic-conventions
     * v1.44.0, where they have the status "development": they may still change, and these names with them. The older
     * {@code db.client.connections.*} names (attributes {@code pool.name}, {@code state}, durations in
     * milliseconds) are not published. The names are listed in {@link PoolMeters}. The three durations are
     * Micrometer timers: a Prometheus registry renders them in seconds, as the conventions ask; an OTLP registry
     * exports timers in its {@code baseTimeUnit}, milliseconds unless set to seconds
     * ({@code management.otlp.metrics.export.base-time-unit=seconds} in Spring Boot).
     */
    OPENTELEMETRY
}
