package dev.berth.pool;

import static dev.berth.internal.Checks.notNegative;
import static dev.berth.internal.Checks.positive;

import java.time.Duration;

/**
 * Immutable settings of a {@link Pool}. Build one with {@link #builder()}; every setting has a default
 * chosen for production services, and {@link Builder#build()} rejects inconsistent values with a message
 * that names the setting and the fix.
 *
 * {@snippet :
 * PoolConfig config = PoolConfig.builder()
 *         .name("orders-db")
 *         .maxSize(20)
 *         .minIdle(5)
 *         .acquireTimeout(Duration.ofSeconds(5))
 *         .build();
 * }
 *
 * <table>
 * <caption>Settings and defaults</caption>
 * <tr><th>setting</th><th>default</th><th>why</th></tr>
 * <tr><td>name</td><td>"pool-N"</td><td>names the pool in errors, logs and metrics</td></tr>
 * <tr><td>maxSize</td><td>10</td><td>most services need far fewer connections than callers</td></tr>
 * <tr><td>minIdle</td><td>0</td><td>kept ready; 0 lets an idle service hold nothing</td></tr>
 * <tr><td>acquireTimeout</td><td>30 s</td><td>a starved caller fails with a report instead of hanging</td></tr>
 * <tr><td>maxLifetime</td><td>30 min</td><td>recycles resources before servers or firewalls drop them</td></tr>
 * <tr><td>lifetimeJitter</td><td>maxLifetime / 40</td><td>spreads recycling so resources do not all reconnect at once</td></tr>
 * <tr><td>idleTimeout</td><td>10 min</td><td>idle resources above minIdle are closed after this</td></tr>
 * <tr><td>keepaliveTime</td><td>2 min</td><td>idle resources are validated this often (0 = off)</td></tr>
 * <tr><td>validationTimeout</td><td>5 s</td><td>longest a validation may take</td></tr>
 * <tr><td>validateAfterIdle</td><td>500 ms</td><td>a resource idle longer is validated before it is lent; a ping per borrow is too slow</td></tr>
 * <tr><td>createTimeout</td><td>10 s</td><td>longest one creation may take before the pool abandons it (and interrupts
 *     it) and gives its slot to a new attempt: far above a healthy connect, even with TLS across a region or a cold
 *     server waking, and short enough that an attempt lost in a network partition does not keep the pool from refilling
 *     once the network is back. The pool enforces it whatever the driver does; berth-jdbc also passes it to pgjdbc</td></tr>
 * <tr><td>createConcurrency</td><td>2</td><td>bounds parallel creations, so a restart causes no connection storm</td></tr>
 * <tr><td>closeGrace</td><td>10 s</td><td>how long {@link Pool#close()} waits for leases to come back</td></tr>
 * <tr><td>housekeepingPeriod</td><td>30 s</td><td>how often eviction, recycling, keepalive and refill run</td></tr>
 * <tr><td>callSites</td><td>on</td><td>records where leases are taken (the stack, recorded undecoded), within a
 *     budget each resource keeps, one stack per 10 ms: every lease of a resource lent up to 100 times a second, 100
 *     stacks a second per resource beyond that. A lease without a recorded stack is named by where its holder is <em>now</em>, sampled
 *     only when a report is made</td></tr>
 * <tr><td>leakDetectionThreshold</td><td>0 (off)</td><td>captures a full stack per acquire, so only when hunting leaks</td></tr>
 * <tr><td>slowLeaseThreshold</td><td>0 (off)</td><td>logs leases held longer, with their call site (the seed used 0.5 s)</td></tr>
 * <tr><td>reportInterval</td><td>0 (off)</td><td>periodic state line in the log</td></tr>
 * <tr><td>listener</td><td>none</td><td>metrics bindings (berth-micrometer) plug in here</td></tr>
 * <tr><td>overloadPolicy</td><td>{@link OverloadPolicy#SHED}</td><td>under a standing queue, a caller that could
 *     not be served within its budget is refused at once instead of after its whole timeout</td></tr>
 * <tr><td>jmx</td><td>off</td><td>registers the pool's {@link PoolMXBean} with the platform MBean server, under
 *     {@code dev.berth:type=Pool,name=<name>}, while the pool is open</td></tr>
 * </table>
 *
 * <p>Every setting but {@code name} and {@code listener} can change on a running pool: see
 * {@link Pool#reconfigure(java.util.function.UnaryOperator)}.
 */
public final class PoolConfig {

    private static final java.util.concurrent.atomic.AtomicInteger POOL_NUMBER =
            new java.util.concurrent.atomic.AtomicInteger();

    private final String name;
    private final int maxSize;
    private final int minIdle;
    private final Duration acquireTimeout;
    private final Duration maxLifetime;
    private final Duration lifetimeJitter;
    private final Duration idleTimeout;
    private final Duration keepaliveTime;
    private final Duration validationTimeout;
    private final Duration validateAfterIdle;
    private final Duration createTimeout;
    private final int createConcurrency;
    private final Duration closeGrace;
    private final Duration housekeepingPeriod;
    private final boolean callSites;
    private final Duration leakDetectionThreshold;
    private final Duration slowLeaseThreshold;
    private final Duration reportInterval;
    private final PoolListener listener;
    private final boolean jmx;
    private final OverloadPolicy overloadPolicy;
    /** Whether lifetimeJitter was set, rather than derived from maxLifetime (then it follows a changed lifetime). */
    private final boolean lifetimeJitterSet;

    private PoolConfig(Builder b) {
        this.name = b.name != null ? b.name : "pool-" + POOL_NUMBER.incrementAndGet();
        this.maxSize = b.maxSize;
        this.minIdle = b.minIdle;
        this.acquireTimeout = b.acquireTimeout;
        this.maxLifetime = b.maxLifetime;
        this.lifetimeJitter = b.lifetimeJitter != null ? b.lifetimeJitter : b.maxLifetime.dividedBy(40);
        this.idleTimeout = b.idleTimeout;
        this.keepaliveTime = b.keepaliveTime;
        this.validationTimeout = b.validationTimeout;
        this.validateAfterIdle = b.validateAfterIdle;
        this.createTimeout = b.createTimeout;
        this.createConcurrency = b.createConcurrency;
        this.closeGrace = b.closeGrace;
        this.housekeepingPeriod = b.housekeepingPeriod;
        this.callSites = b.callSites;
        this.leakDetectionThreshold = b.leakDetectionThreshold;
        this.slowLeaseThreshold = b.slowLeaseThreshold;
        this.reportInterval = b.reportInterval;
        this.listener = b.listener;
        this.jmx = b.jmx;
        this.overloadPolicy = b.overloadPolicy;
        this.lifetimeJitterSet = b.lifetimeJitter != null;
    }

    /** @return a builder with every setting at its default */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's settings, to derive a changed copy */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.maxSize = maxSize;
        b.minIdle = minIdle;
        b.acquireTimeout = acquireTimeout;
        b.maxLifetime = maxLifetime;
        b.lifetimeJitter = lifetimeJitterSet ? lifetimeJitter : null;
        b.idleTimeout = idleTimeout;
        b.keepaliveTime = keepaliveTime;
        b.validationTimeout = validationTimeout;
        b.validateAfterIdle = validateAfterIdle;
        b.createTimeout = createTimeout;
        b.createConcurrency = createConcurrency;
        b.closeGrace = closeGrace;
        b.housekeepingPeriod = housekeepingPeriod;
        b.callSites = callSites;
        b.leakDetectionThreshold = leakDetectionThreshold;
        b.slowLeaseThreshold = slowLeaseThreshold;
        b.reportInterval = reportInterval;
        b.listener = listener;
        b.jmx = jmx;
        b.overloadPolicy = overloadPolicy;
        return b;
    }

    /** @return the pool's name, used in errors, logs and metrics */
    public String name() { return name; }
    /** @return the most resources the pool holds at once, leased and idle together */
    public int maxSize() { return maxSize; }
    /** @return how many idle resources the pool keeps ready */
    public int minIdle() { return minIdle; }
    /** @return how long {@link Pool#acquire()} waits before failing */
    public Duration acquireTimeout() { return acquireTimeout; }
    /** @return the age after which a resource is retired (0 = never) */
    public Duration maxLifetime() { return maxLifetime; }
    /** @return the most by which a resource's lifetime is shortened at random */
    public Duration lifetimeJitter() { return lifetimeJitter; }
    /** @return how long a resource above {@code minIdle} may stay idle (0 = forever) */
    public Duration idleTimeout() { return idleTimeout; }
    /** @return how often idle resources are validated (0 = never) */
    public Duration keepaliveTime() { return keepaliveTime; }
    /** @return the longest a validation may take */
    public Duration validationTimeout() { return validationTimeout; }
    /** @return how long a resource may sit idle before it is validated on borrow */
    public Duration validateAfterIdle() { return validateAfterIdle; }
    /** @return how many resources may be created in parallel */
    public int createConcurrency() { return createConcurrency; }
    /** @return the longest one creation may take before the pool abandons it */
    public Duration createTimeout() { return createTimeout; }
    /** @return how long {@link Pool#close()} waits for leases to be returned */
    public Duration closeGrace() { return closeGrace; }
    /** @return how often housekeeping runs */
    public Duration housekeepingPeriod() { return housekeepingPeriod; }
    /** @return whether each lease records the application frame that took it */
    public boolean callSites() { return callSites; }
    /** @return how long a lease may be held before it is reported as a possible leak (0 = off) */
    public Duration leakDetectionThreshold() { return leakDetectionThreshold; }
    /** @return how long a lease may be held before its return is logged as slow (0 = off) */
    public Duration slowLeaseThreshold() { return slowLeaseThreshold; }
    /** @return how often the pool logs its state (0 = never) */
    public Duration reportInterval() { return reportInterval; }
    /** @return the listener receiving the pool's events */
    public PoolListener listener() { return listener; }
    /** @return whether the pool registers its {@link PoolMXBean} with the platform MBean server */
    public boolean jmx() { return jmx; }
    /** @return what the pool does under a standing queue */
    public OverloadPolicy overloadPolicy() { return overloadPolicy; }

    @Override
    public String toString() {
        return "PoolConfig{name=" + name + ", maxSize=" + maxSize + ", minIdle=" + minIdle
                + ", acquireTimeout=" + acquireTimeout + ", maxLifetime=" + maxLifetime
                + ", lifetimeJitter=" + lifetimeJitter + ", idleTimeout=" + idleTimeout
                + ", keepaliveTime=" + keepaliveTime + ", validationTimeout=" + validationTimeout
                + ", validateAfterIdle=" + validateAfterIdle + ", createConcurrency=" + createConcurrency + ", createTimeout=" + createTimeout
                + ", closeGrace=" + closeGrace + ", housekeepingPeriod=" + housekeepingPeriod
                + ", callSites=" + callSites + ", leakDetectionThreshold=" + leakDetectionThreshold
                + ", slowLeaseThreshold=" + slowLeaseThreshold + ", reportInterval=" + reportInterval + ", overloadPolicy=" + overloadPolicy + ", jmx=" + jmx + '}';
    }

    /** Builds a {@link PoolConfig}; not thread-safe. */
    public static final class Builder {
        private String name;
        private int maxSize = 10;
        private int minIdle = 0;
        private Duration acquireTimeout = Duration.ofSeconds(30);
        private Duration maxLifetime = Duration.ofMinutes(30);
        private Duration lifetimeJitter;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private Duration keepaliveTime = Duration.ofMinutes(2);
        private Duration validationTimeout = Duration.ofSeconds(5);
        private Duration validateAfterIdle = Duration.ofMillis(500);
        private int createConcurrency = 2;
        private Duration createTimeout = Duration.ofSeconds(10);
        private Duration closeGrace = Duration.ofSeconds(10);
        private Duration housekeepingPeriod = Duration.ofSeconds(30);
        private boolean callSites = true;
        private Duration leakDetectionThreshold = Duration.ZERO;
        private Duration slowLeaseThreshold = Duration.ZERO;
        private Duration reportInterval = Duration.ZERO;
        private PoolListener listener = PoolListener.NONE;
        private boolean jmx;
        private OverloadPolicy overloadPolicy = OverloadPolicy.SHED;

        private Builder() {
        }

        /** @param name the pool's name; @return this builder */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("pool name must not be blank; give the pool a short name such as \"orders-db\"");
            }
            this.name = name;
            return this;
        }

        /** @param maxSize the most resources at once (at least 1); @return this builder */
        public Builder maxSize(int maxSize) { this.maxSize = maxSize; return this; }
        /** @param minIdle idle resources kept ready (0 to maxSize); @return this builder */
        public Builder minIdle(int minIdle) { this.minIdle = minIdle; return this; }
        /** @param timeout how long acquire waits (positive); @return this builder */
        public Builder acquireTimeout(Duration timeout) { this.acquireTimeout = timeout; return this; }
        /** @param lifetime age at which resources are retired (0 = never); @return this builder */
        public Builder maxLifetime(Duration lifetime) { this.maxLifetime = lifetime; return this; }
        /** @param jitter most by which a lifetime is shortened at random; @return this builder */
        public Builder lifetimeJitter(Duration jitter) { this.lifetimeJitter = jitter; return this; }
        /** @param timeout idle time after which surplus resources close (0 = never); @return this builder */
        public Builder idleTimeout(Duration timeout) { this.idleTimeout = timeout; return this; }
        /** @param period how often idle resources are validated (0 = never); @return this builder */
        public Builder keepaliveTime(Duration period) { this.keepaliveTime = period; return this; }
        /** @param timeout longest a validation may take (positive); @return this builder */
        public Builder validationTimeout(Duration timeout) { this.validationTimeout = timeout; return this; }
        /** @param window idle time after which a borrow validates first (0 = always); @return this builder */
        public Builder validateAfterIdle(Duration window) { this.validateAfterIdle = window; return this; }
        /** @param concurrency parallel creations (at least 1); @return this builder */
        public Builder createConcurrency(int concurrency) { this.createConcurrency = concurrency; return this; }
        /** @param timeout longest one creation may take before it is abandoned (positive); @return this builder */
        public Builder createTimeout(Duration timeout) { this.createTimeout = timeout; return this; }
        /** @param grace how long close waits for leases (0 or more); @return this builder */
        public Builder closeGrace(Duration grace) { this.closeGrace = grace; return this; }
        /** @param period how often housekeeping runs (positive); @return this builder */
        public Builder housekeepingPeriod(Duration period) { this.housekeepingPeriod = period; return this; }
        /** @param on record where leases are taken, at most one stack per 10 ms per resource (default on); @return this builder */
        public Builder callSites(boolean on) { this.callSites = on; return this; }
        /** @param threshold hold time after which a lease is reported as a possible leak, with its full stack (0 = off); @return this builder */
        public Builder leakDetectionThreshold(Duration threshold) { this.leakDetectionThreshold = threshold; return this; }
        /** @param threshold hold time after which a returned lease is logged as slow (0 = off); @return this builder */
        public Builder slowLeaseThreshold(Duration threshold) { this.slowLeaseThreshold = threshold; return this; }
        /** @param interval how often to log the pool's state (0 = never); @return this builder */
        public Builder reportInterval(Duration interval) { this.reportInterval = interval; return this; }
        /** @param listener receives the pool's events (for metrics); @return this builder */
        public Builder listener(PoolListener listener) {
            this.listener = java.util.Objects.requireNonNull(listener, "listener must not be null; use PoolListener.NONE for none");
            return this;
        }

        /**
         * @param on register the pool's {@link PoolMXBean} with the platform MBean server while it is open, under
         *     {@code dev.berth:type=Pool,name=<name>} (default off); @return this builder
         */
        public Builder jmx(boolean on) { this.jmx = on; return this; }

        /** @param policy what the pool does under a standing queue (default {@link OverloadPolicy#SHED}); @return this builder */
        public Builder overloadPolicy(OverloadPolicy policy) {
            this.overloadPolicy = java.util.Objects.requireNonNull(policy,
                    "overloadPolicy must not be null; use OverloadPolicy.FIFO to never refuse early");
            return this;
        }

        /**
         * Checks the settings and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the first bad setting, its value and the fix
         */
        public PoolConfig build() {
            if (maxSize < 1) {
                throw new IllegalArgumentException("maxSize is " + maxSize + " but must be at least 1; set maxSize to the most resources the pool may hold (for example 10)");
            }
            if (minIdle < 0) {
                throw new IllegalArgumentException("minIdle is " + minIdle + " but must be 0 or more; set minIdle to the number of idle resources to keep ready");
            }
            if (minIdle > maxSize) {
                throw new IllegalArgumentException("minIdle (" + minIdle + ") is greater than maxSize (" + maxSize + "); lower minIdle or raise maxSize");
            }
            if (createConcurrency < 1) {
                throw new IllegalArgumentException("createConcurrency is " + createConcurrency + " but must be at least 1");
            }
            positive("acquireTimeout", acquireTimeout);
            positive("validationTimeout", validationTimeout);
            positive("createTimeout", createTimeout);
            positive("housekeepingPeriod", housekeepingPeriod);
            notNegative("maxLifetime", maxLifetime);
            notNegative("idleTimeout", idleTimeout);
            notNegative("keepaliveTime", keepaliveTime);
            notNegative("validateAfterIdle", validateAfterIdle);
            notNegative("closeGrace", closeGrace);
            notNegative("leakDetectionThreshold", leakDetectionThreshold);
            notNegative("slowLeaseThreshold", slowLeaseThreshold);
            notNegative("reportInterval", reportInterval);
            if (lifetimeJitter != null) {
                notNegative("lifetimeJitter", lifetimeJitter);
                if (!maxLifetime.isZero() && lifetimeJitter.compareTo(maxLifetime) >= 0) {
                    throw new IllegalArgumentException("lifetimeJitter (" + lifetimeJitter + ") must be shorter than maxLifetime (" + maxLifetime + "); a jitter of a few percent of the lifetime is enough");
                }
            }
            return new PoolConfig(this);
        }
    }
}
