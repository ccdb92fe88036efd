package dev.berth.micrometer;

/**
 * The names of the meters {@link PoolMetrics} registers for every pool, for dashboards, alerts and tests.
 * berth's own ({@link MeterConvention#BERTH}) carry the tags {@code pool} and {@code kind}; some add one more,
 * named below. Names follow
 * Micrometer's dotted convention; a registry renders them for its backend (Prometheus: dots become
 * underscores, timers get {@code _seconds}, counters {@code _total}).
 *
 * <table>
 * <caption>Meters (Prometheus names in brackets)</caption>
 * <tr><th>name</th><th>type</th><th>what it measures</th></tr>
 * <tr><td>{@value #RESOURCES}</td><td>gauge</td><td>resources that exist, idle and leased
 *     ({@code berth_pool_resources})</td></tr>
 * <tr><td>{@value #IDLE}</td><td>gauge</td><td>resources ready to lend</td></tr>
 * <tr><td>{@value #LEASED}</td><td>gauge</td><td>resources lent out</td></tr>
 * <tr><td>{@value #MAX}</td><td>gauge</td><td>the configured maximum size</td></tr>
 * <tr><td>{@value #WAITING}</td><td>gauge</td><td>callers waiting for a resource</td></tr>
 * <tr><td>{@value #ACQUIRE}</td><td>timer</td><td>how long each acquire waited; its count is the number of
 *     leases handed out ({@code berth_pool_acquire_seconds_count})</td></tr>
 * <tr><td>{@value #HOLD}</td><td>timer</td><td>how long each lease was held</td></tr>
 * <tr><td>{@value #TIMEOUTS}</td><td>counter</td><td>acquires that found no resource in time
 *     ({@code berth_pool_timeouts_total})</td></tr>
 * <tr><td>{@value #SHED}</td><td>counter</td><td>acquires refused at once because the pool was overloaded
 *     ({@code OverloadPolicy.SHED}; not in the timeouts)</td></tr>
 * <tr><td>{@value #OVERLOADED}</td><td>gauge</td><td>1 while the queue stands (callers arrive faster than the pool
 *     serves them), else 0</td></tr>
 * <tr><td>{@value #CREATIONS}</td><td>counter</td><td>resources created</td></tr>
 * <tr><td>{@value #CREATION_FAILURES}</td><td>counter</td><td>failed creations (server down, bad password)</td></tr>
 * <tr><td>{@value #DESTRUCTIONS}</td><td>counter</td><td>resources destroyed, tag {@code reason}: broken,
 *     expired, idle, invalid, reset failed, leaked, closed</td></tr>
 * <tr><td>{@value #VALIDATION_FAILURES}</td><td>counter</td><td>validations that found a resource dead</td></tr>
 * <tr><td>{@value #LEAKS}</td><td>counter</td><td>leases reported as leaks, tag {@code dropped}: {@code true}
 *     when the lease was lost without {@code close()}, {@code false} when it is held past the leak threshold</td></tr>
 * </table>
 *
 * <p>The meters of the OpenTelemetry semantic conventions for database client connection pools
 * ({@link MeterConvention#OPENTELEMETRY}), from semantic-conventions v1.44.0, status "development". Each carries
 * the tag {@value #POOL_NAME_TAG} (the pool's name) instead of {@code pool} and {@code kind}; the count adds
 * {@value #STATE_TAG}. The conventions' unit is given; Micrometer's timers take it as seconds, its gauges and
 * counters get none (the conventions' {@code {connection}} is an annotation, not a unit a name should carry).
 *
 * <table>
 * <caption>OpenTelemetry-named meters (Prometheus names in brackets)</caption>
 * <tr><th>name</th><th>conventions' instrument, unit</th><th>type here</th><th>value</th></tr>
 * <tr><td>{@value #CONNECTION_COUNT}</td><td>UpDownCounter, {@code {connection}}</td><td>gauge</td><td>tag
 *     {@value #STATE_TAG}: {@code idle} resources ready to lend, {@code used} resources lent out
 *     ({@code db_client_connection_count})</td></tr>
 * <tr><td>{@value #CONNECTION_MAX}</td><td>UpDownCounter, {@code {connection}}</td><td>gauge</td><td>maxSize</td></tr>
 * <tr><td>{@value #CONNECTION_IDLE_MIN}</td><td>UpDownCounter, {@code {connection}}</td><td>gauge</td><td>minIdle</td></tr>
 * <tr><td>{@value #CONNECTION_IDLE_MAX}</td><td>UpDownCounter, {@code {connection}}</td><td>gauge</td><td>maxSize:
 *     berth caps idle resources only by the pool's size</td></tr>
 * <tr><td>{@value #PENDING_REQUESTS}</td><td>UpDownCounter, {@code {request}}</td><td>gauge</td><td>callers
 *     waiting for a resource</td></tr>
 * <tr><td>{@value #CONNECTION_TIMEOUTS}</td><td>Counter, {@code {timeout}}</td><td>function counter</td><td>acquires
 *     that timed out since the pool opened ({@code db_client_connection_timeouts_total})</td></tr>
 * <tr><td>{@value #CREATE_TIME}</td><td>Histogram, {@code s}</td><td>timer</td><td>how long each successful
 *     creation took ({@code db_client_connection_create_time_seconds})</td></tr>
 * <tr><td>{@value #WAIT_TIME}</td><td>Histogram, {@code s}</td><td>timer</td><td>how long each acquire waited for
 *     its lease, as {@value #ACQUIRE}</td></tr>
 * <tr><td>{@value #USE_TIME}</td><td>Histogram, {@code s}</td><td>timer</td><td>how long each lease was held, as
 *     {@value #HOLD}</td></tr>
 * </table>
 *
 * {@snippet :
 * double waiting = registry.get(PoolMeters.WAITING).tag("pool", "orders-db").gauge().value();
 * double used = registry.get(PoolMeters.CONNECTION_COUNT)
 *         .tags(PoolMeters.POOL_NAME_TAG, "orders-db", PoolMeters.STATE_TAG, "used").gauge().value();
 * }
 */
public final class PoolMeters {
    private PoolMeters() {
    }

    /** Gauge: resources that exist, idle and leased. */
    public static final String RESOURCES = "berth.pool.resources";
    /** Gauge: resources ready to lend. */
    public static final String IDLE = "berth.pool.resources.idle";
    /** Gauge: resources lent out. */
    public static final String LEASED = "berth.pool.resources.leased";
    /** Gauge: the most resources the pool may hold. */
    public static final String MAX = "berth.pool.resources.max";
    /** Gauge: callers waiting for a resource. */
    public static final String WAITING = "berth.pool.waiting";
    /** Timer: how long acquires waited for their lease. */
    public static final String ACQUIRE = "berth.pool.acquire";
    /** Timer: how long leases were held. */
    public static final String HOLD = "berth.pool.hold";
    /** Counter: acquires that timed out. */
    public static final String TIMEOUTS = "berth.pool.timeouts";
    /** Counter: acquires refused at once because the pool was overloaded. */
    public static final String SHED = "berth.pool.shed";
    /** Gauge: 1 while the pool's queue stands, else 0. */
    public static final String OVERLOADED = "berth.pool.overloaded";
    /** Counter: resources created. */
    public static final String CREATIONS = "berth.pool.creations";
    /** Counter: resource creations that failed. */
    public static final String CREATION_FAILURES = "berth.pool.creation.failures";
    /** Counter: resources destroyed, tagged with {@code reason}. */
    public static final String DESTRUCTIONS = "berth.pool.destructions";
    /** Counter: validations that found a resource dead. */
    public static final String VALIDATION_FAILURES = "berth.pool.validation.failures";
    /** Counter: leases reported as leaks, tagged with {@code dropped}. */
    public static final String LEAKS = "berth.pool.leaks";

    /** Tag of every OpenTelemetry-named meter: the pool's name. */
    public static final String POOL_NAME_TAG = "db.client.connection.pool.name";
    /** Tag of {@link #CONNECTION_COUNT}: {@code idle} or {@code used}. */
    public static final String STATE_TAG = "db.client.connection.state";
    /** OpenTelemetry gauge: resources by state, {@code idle} or {@code used}. */
    public static final String CONNECTION_COUNT = "db.client.connection.count";
    /** OpenTelemetry gauge: the most resources the pool may hold. */
    public static final String CONNECTION_MAX = "db.client.connection.max";
    /** OpenTelemetry gauge: the idle resources kept ready (minIdle). */
    public static final String CONNECTION_IDLE_MIN = "db.client.connection.idle.min";
    /** OpenTelemetry gauge: the most resources that may be idle (maxSize). */
    public static final String CONNECTION_IDLE_MAX = "db.client.connection.idle.max";
    /** OpenTelemetry gauge: callers waiting for a resource. */
    public static final String PENDING_REQUESTS = "db.client.connection.pending_requests";
    /** OpenTelemetry counter: acquires that timed out. */
    public static final String CONNECTION_TIMEOUTS = "db.client.connection.timeouts";
    /** OpenTelemetry timer: how long creations took. */
    public static final String CREATE_TIME = "db.client.connection.create_time";
    /** OpenTelemetry timer: how long acquires waited for their lease. */
    public static final String WAIT_TIME = "db.client.connection.wait_time";
    /** OpenTelemetry timer: how long leases were held. */
    public static final String USE_TIME = "db.client.connection.use_time";
}
