package dev.berth.micrometer;

/**
 * The names of the meters {@link PoolMetrics} registers for every pool, for dashboards, alerts and tests.
 * Each meter carries the tags {@code pool} and {@code kind}; some add one more, named below. Names follow
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
 * <tr><td>{@value #CREATIONS}</td><td>counter</td><td>resources created</td></tr>
 * <tr><td>{@value #CREATION_FAILURES}</td><td>counter</td><td>failed creations (server down, bad password)</td></tr>
 * <tr><td>{@value #DESTRUCTIONS}</td><td>counter</td><td>resources destroyed, tag {@code reason}: broken,
 *     expired, idle, invalid, reset failed, leaked, closed</td></tr>
 * <tr><td>{@value #VALIDATION_FAILURES}</td><td>counter</td><td>validations that found a resource dead</td></tr>
 * <tr><td>{@value #LEAKS}</td><td>counter</td><td>leases reported as leaks, tag {@code dropped}: {@code true}
 *     when the lease was lost without {@code close()}, {@code false} when it is held past the leak threshold</td></tr>
 * </table>
 *
 * {@snippet :
 * double waiting = registry.get(PoolMeters.WAITING).tag("pool", "orders-db").gauge().value();
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
}
