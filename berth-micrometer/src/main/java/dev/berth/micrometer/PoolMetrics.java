package dev.berth.micrometer;

import static dev.berth.micrometer.PoolMeters.ACQUIRE;
import static dev.berth.micrometer.PoolMeters.CREATIONS;
import static dev.berth.micrometer.PoolMeters.CREATION_FAILURES;
import static dev.berth.micrometer.PoolMeters.DESTRUCTIONS;
import static dev.berth.micrometer.PoolMeters.HOLD;
import static dev.berth.micrometer.PoolMeters.IDLE;
import static dev.berth.micrometer.PoolMeters.LEAKS;
import static dev.berth.micrometer.PoolMeters.LEASED;
import static dev.berth.micrometer.PoolMeters.MAX;
import static dev.berth.micrometer.PoolMeters.OVERLOADED;
import static dev.berth.micrometer.PoolMeters.RESOURCES;
import static dev.berth.micrometer.PoolMeters.SHED;
import static dev.berth.micrometer.PoolMeters.TIMEOUTS;
import static dev.berth.micrometer.PoolMeters.VALIDATION_FAILURES;
import static dev.berth.micrometer.PoolMeters.WAITING;

import dev.berth.pool.PoolListener;
import dev.berth.pool.PoolReport;
import dev.berth.pool.PoolStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * One berth pool's meters in a Micrometer {@link MeterRegistry}: it is the pool's {@link PoolListener} (timers
 * and counters fed by the pool's events) and, once {@linkplain #bindTo bound} to the pool's statistics, the
 * source of its gauges. The meters come under two sets of names, both registered by default
 * ({@link PoolMetricsBuilder#conventions} picks one): berth's own, {@code berth.pool.*}, tagged {@code pool} (the
 * pool's name) and {@code kind} ({@code "jdbc"}, {@code "redis"} or your own word); and the OpenTelemetry
 * semantic conventions for database client connection pools, {@code db.client.connection.*}, tagged
 * {@code db.client.connection.pool.name}. Both carry any tags given to the {@link PoolMetricsBuilder}.
 * Both by default because they serve different readers: the conventions' names are what shared dashboards
 * and alerts expect, berth's add what only berth counts (destructions by reason, leaks, failed creations and
 * validations); one pool makes 40 series with both (24 of them berth's, without percentile histograms), and a
 * builder option drops either.
 *
 * <p>The listener goes into the pool's configuration, so it sees the pool's first creations; the gauges are
 * bound once the pool exists:
 * {@snippet :
 * PoolMetrics metrics = PoolMetrics.of(registry, "orders-db", "jdbc");
 * Pool<Connection> pool = Pool.open(PoolConfig.builder().name("orders-db").listener(metrics).build(), factory);
 * metrics.bindTo(pool::stats);
 * }
 * Something that owns its pool, such as a {@code BerthDataSource}, takes the listener before it starts;
 * {@link #install} does the three steps, or none of them:
 * {@snippet :
 * dataSource.setPoolName("orders-db");
 * PoolMetrics metrics = PoolMetrics.install(registry, "orders-db", "jdbc", dataSource::setPoolListener, dataSource::stats);
 * }
 *
 * <p>The meters and their names are listed in {@link PoolMeters}.
 *
 * <p>Concurrency: the listener methods run on the pool's acquire and release paths and on its worker threads;
 * they take no lock, look nothing up and build no tags (every timer and counter is resolved when the metrics
 * are made), so each costs one Micrometer record or increment, and they are safe from any thread. {@link #bindTo} and {@link #close()} may be called from any thread.
 *
 * <p>Lifetime: the registry holds the gauges' source only weakly, so the gauges never keep a pool reachable;
 * once the pool and this object are garbage, the gauges read {@code NaN}. {@link #close()} removes every meter
 * from the registry; do it when the pool closes (try-with-resources closes the pool first, then the metrics):
 * {@snippet :
 * try (PoolMetrics metrics = PoolMetrics.of(registry, "files", "sftp");
 *      Pool<Session> pool = Pool.open(PoolConfig.builder().name("files").listener(metrics).build(), sessions)) {
 *     metrics.bindTo(pool::stats);
 *     serve(pool);
 * }
 * }
 * One {@code PoolMetrics} serves one pool: a second one for the same pool name and kind is refused while the
 * first is open (closed or garbage-collected ones make room), and a pool of another name that is given them
 * as its listener has its creations refused, which the pool logs as a listener failure.
 */
public final class PoolMetrics implements PoolListener, AutoCloseable {

    /** The reasons {@link PoolListener#destroyed} names today; their counters exist from the start, at zero. */
    private static final List<String> REASONS =
            List.of("broken", "expired", "idle", "invalid", "reset failed", "leaked", "closed");

    private final MeterRegistry registry;
    private final String pool;
    private final String kind;
    private final Tags tags;
    /** The {@link MeterConvention#OPENTELEMETRY} meters, or {@code null} when they were not asked for. */
    private final ConventionMeters conventions;
    /** Whether the {@link MeterConvention#BERTH} meters exist; when not, the fields below are {@code null}. */
    private final boolean berth;
    private final Timer acquire;
    private final Timer hold;
    private final Counter timeouts;
    private final Counter shed;
    private final Counter creations;
    private final Counter creationFailures;
    private final Counter validationFailures;
    private final Counter leaksHeld;
    private final Counter leaksDropped;
    private final ConcurrentHashMap<String, Counter> destructions = new ConcurrentHashMap<>();

    private final ReentrantLock lifecycle = new ReentrantLock();
    /** Every meter registered here; guarded by {@link #lifecycle}. */
    private final List<Meter> meters = new ArrayList<>();
    private volatile Supplier<PoolStats> stats;
    private volatile boolean closed;

    PoolMetrics(MeterRegistry registry, String pool, String kind, Tags extraTags, boolean percentileHistogram,
                Set<MeterConvention> names) {
        this.registry = registry;
        this.pool = pool;
        this.kind = kind;
        this.tags = extraTags.and("pool", pool, "kind", kind);
        this.berth = names.contains(MeterConvention.BERTH);
        Tags conventionTags = names.contains(MeterConvention.OPENTELEMETRY)
                ? ConventionMeters.tagsOf(extraTags, pool) : null;
        Registrations.claim(registry, berth ? tags : null, conventionTags, pool, kind);
        this.conventions = conventionTags == null ? null : new ConventionMeters(this, conventionTags, percentileHistogram);
        if (!berth) {
            acquire = hold = null;
            timeouts = shed = creations = creationFailures = validationFailures = leaksHeld = leaksDropped = null;
            return;
        }
        // Most acquires wait far less than Micrometer's default lowest bucket (1 ms): start the buckets lower.
        this.acquire = timer(ACQUIRE, "Time callers waited for a lease", percentileHistogram, Duration.ofNanos(10_000));
        this.hold = timer(HOLD, "Time leases were held before they were returned", percentileHistogram, null);
        this.timeouts = counter(TIMEOUTS, "Acquires that found no free resource in time", Tags.empty());
        this.shed = counter(SHED, "Acquires refused at once because the pool was overloaded", Tags.empty());
        this.creations = counter(CREATIONS, "Resources created", Tags.empty());
        this.creationFailures = counter(CREATION_FAILURES, "Resource creations that failed", Tags.empty());
        this.validationFailures = counter(VALIDATION_FAILURES, "Validations that found a resource dead", Tags.empty());
        String leaks = "Leases held past the leak threshold (dropped=false) or lost without close (dropped=true)";
        this.leaksHeld = counter(LEAKS, leaks, Tags.of("dropped", "false"));
        this.leaksDropped = counter(LEAKS, leaks, Tags.of("dropped", "true"));
        for (String reason : REASONS) {
            destructions.put(reason, destructionCounter(reason));
        }
    }

    /**
     * Makes the meters of one pool, with default options (no percentile histograms).
     *
     * {@snippet :
     * PoolMetrics metrics = PoolMetrics.of(registry, "sessions", "redis");
     * }
     *
     * @param registry where the meters go
     * @param pool the pool's name, as in {@code PoolConfig.name()}; the value of the {@code pool} tag
     * @param kind what the pool holds: {@code "jdbc"}, {@code "redis"} or your own word; the {@code kind} tag
     * @return the metrics, registered; install them as the pool's listener, then {@link #bindTo} its stats
     * @throws IllegalArgumentException when a name is blank
     * @throws IllegalStateException when another open {@code PoolMetrics} already has this pool and kind
     */
    public static PoolMetrics of(MeterRegistry registry, String pool, String kind) {
        return builder(registry, pool, kind).build();
    }

    /**
     * Meters a pool that something else owns and starts, such as a {@code BerthDataSource}: makes the metrics,
     * binds the gauges to {@code stats}, and hands the listener to {@code listenerSetter}. When a step fails,
     * the meters are removed again and nothing stays registered.
     *
     * {@snippet :
     * BerthDataSource dataSource = BerthDataSource.builder().jdbcUrl(url).poolName("orders-db").build();
     * PoolMetrics metrics = PoolMetrics.install(registry, "orders-db", "jdbc", dataSource::setPoolListener, dataSource::stats);
     * }
     *
     * @param registry where the meters go
     * @param pool the pool's name; the value of the {@code pool} tag, and the name {@code stats} must report
     * @param kind what the pool holds; the value of the {@code kind} tag
     * @param listenerSetter installs the pool's listener, such as {@code dataSource::setPoolListener}
     * @param stats the pool's statistics, such as {@code dataSource::stats}
     * @return the metrics, bound and installed
     * @throws IllegalArgumentException when a name is blank, or {@code stats} names another pool
     * @throws IllegalStateException when the listener cannot be installed any more (the pool has started),
     *     or another open {@code PoolMetrics} already has this pool and kind
     */
    public static PoolMetrics install(MeterRegistry registry, String pool, String kind,
                                      Consumer<? super PoolListener> listenerSetter, Supplier<PoolStats> stats) {
        Objects.requireNonNull(listenerSetter, "listenerSetter must not be null; pass one such as dataSource::setPoolListener");
        PoolMetrics metrics = of(registry, pool, kind);
        try {
            metrics.bindTo(stats);
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        try {
            listenerSetter.accept(metrics);
        } catch (RuntimeException e) {
            metrics.close();
            throw new IllegalStateException("the metrics for pool '" + pool + "' could not be installed as its listener: "
                    + e.getMessage() + " (install metrics before the pool starts)", e);
        }
        return metrics;
    }

    /**
     * Starts metrics with options: extra tags, percentile histograms.
     *
     * {@snippet :
     * PoolMetrics metrics = PoolMetrics.builder(registry, "orders-db", "jdbc")
     *         .tag("region", "eu-west")
     *         .percentileHistogram(true)
     *         .build();
     * }
     *
     * @param registry where the meters go
     * @param pool the pool's name; the value of the {@code pool} tag
     * @param kind what the pool holds; the value of the {@code kind} tag
     * @return a builder
     * @throws IllegalArgumentException when a name is blank
     */
    public static PoolMetricsBuilder builder(MeterRegistry registry, String pool, String kind) {
        return new PoolMetricsBuilder(registry, pool, kind);
    }

    /**
     * Registers the gauges, which read the pool's statistics each time the registry asks (on every scrape;
     * each read is one {@code stats()} call, a few microseconds). The registry keeps only a weak reference to
     * this object, and through it to {@code stats}.
     *
     * @param stats the pool's statistics, such as {@code pool::stats} or {@code dataSource::stats}
     * @return this object
     * @throws IllegalArgumentException when the statistics belong to a pool of another name
     * @throws IllegalStateException when already bound, or closed
     */
    public PoolMetrics bindTo(Supplier<PoolStats> stats) {
        Objects.requireNonNull(stats, "stats must not be null; pass the pool's statistics, such as pool::stats");
        String bound = stats.get().name();
        if (!pool.equals(bound)) {
            throw new IllegalArgumentException("the metrics for pool '" + pool + "' were bound to the statistics of pool '"
                    + bound + "'; the pool tag must name the pool it measures: give the pool the name '" + pool
                    + "' (PoolConfig.Builder.name, BerthDataSource.setPoolName) or make the metrics with '" + bound + "'");
        }
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the metrics for pool '" + pool + "' are closed and their meters removed;"
                        + " make new ones with PoolMetrics.of");
            }
            if (this.stats != null) {
                throw new IllegalStateException("the metrics for pool '" + pool + "' are already bound to its statistics;"
                        + " call bindTo once per PoolMetrics");
            }
            this.stats = stats;
            if (berth) {
                gauge(RESOURCES, "Resources that exist, idle and leased", tags, PoolStats::total);
                gauge(IDLE, "Resources ready to lend", tags, PoolStats::idle);
                gauge(LEASED, "Resources lent out", tags, PoolStats::leased);
                gauge(MAX, "The most resources the pool may hold", tags, PoolStats::maxSize);
                gauge(WAITING, "Callers waiting for a resource", tags, PoolStats::waiting);
                gauge(OVERLOADED, "1 while callers arrive faster than the pool serves them", tags, s -> s.overloaded() ? 1 : 0);
            }
            if (conventions != null) {
                conventions.bind(this);
            }
        } finally {
            lifecycle.unlock();
        }
        return this;
    }

    /**
     * The pool these metrics measure.
     *
     * @return the pool's name, the value of the {@code pool} tag
     */
    public String pool() {
        return pool;
    }

    /**
     * What the pool holds.
     *
     * @return the value of the {@code kind} tag
     */
    public String kind() {
        return kind;
    }

    /**
     * Removes every meter of this pool from the registry and forgets the statistics source. Events that
     * arrive later are dropped. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stats = null;
            meters.forEach(registry::remove);
            meters.clear();
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public String toString() {
        return "PoolMetrics{pool=" + pool + ", kind=" + kind + (closed ? ", closed" : stats == null ? ", not bound" : "") + '}';
    }

    // ---- PoolListener: called on the pool's hot paths; field reads and a record each ------------------

    /** Records the wait in {@value PoolMeters#ACQUIRE} and {@value PoolMeters#WAIT_TIME}. */
    @Override
    public void acquired(String pool, long waitNanos) {
        if (berth) {
            acquire.record(waitNanos, TimeUnit.NANOSECONDS);
        }
        if (conventions != null) {
            conventions.waited(waitNanos);
        }
    }

    /** Records the hold time in {@value PoolMeters#HOLD} and {@value PoolMeters#USE_TIME}. */
    @Override
    public void released(String pool, long holdNanos) {
        if (berth) {
            hold.record(holdNanos, TimeUnit.NANOSECONDS);
        }
        if (conventions != null) {
            conventions.used(holdNanos);
        }
    }

    /**
     * Counts a timeout in {@value PoolMeters#TIMEOUTS}. ({@value PoolMeters#CONNECTION_TIMEOUTS} reads the pool's own
     * count, {@code PoolStats.timeouts()}, instead.)
     */
    @Override
    public void timedOut(PoolReport report) {
        if (berth) {
            timeouts.increment();
        }
    }

    /** Counts a caller refused because the pool was overloaded in {@value PoolMeters#SHED}. */
    @Override
    public void shed(String pool, int queued) {
        if (berth) {
            shed.increment();
        }
    }

    /**
     * Counts a creation in {@value PoolMeters#CREATIONS} and records how long it took in
     * {@value PoolMeters#CREATE_TIME}. Creation is off the hot path, so it is also where a listener shared by two
     * pools is caught: the other pool's events are refused (the pool logs the refusal).
     *
     * @throws IllegalStateException when the event comes from a pool of another name
     */
    @Override
    public void created(String pool, long createNanos) {
        if (!this.pool.equals(pool)) {
            throw new IllegalStateException("the metrics for pool '" + this.pool + "' are also the listener of pool '"
                    + pool + "', whose events would be counted as theirs; give every pool a PoolMetrics of its own");
        }
        if (berth) {
            creations.increment();
        }
        if (conventions != null) {
            conventions.created(createNanos);
        }
    }

    /** Counts a failed creation in {@value PoolMeters#CREATION_FAILURES}. */
    @Override
    public void creationFailed(String pool, Throwable failure) {
        if (berth) {
            creationFailures.increment();
        }
    }

    /** Counts a destruction in {@value PoolMeters#DESTRUCTIONS}, tagged with its reason. */
    @Override
    public void destroyed(String pool, String reason) {
        if (!berth) {
            return;
        }
        String key = reason == null ? "unknown" : reason;
        Counter counter = destructions.get(key);
        if (counter == null) {
            counter = newReason(key);
        }
        if (counter != null) {
            counter.increment();
        }
    }

    /** Counts a failed validation in {@value PoolMeters#VALIDATION_FAILURES}. */
    @Override
    public void validationFailed(String pool) {
        if (berth) {
            validationFailures.increment();
        }
    }

    /** Counts a leak in {@value PoolMeters#LEAKS}, tagged {@code dropped=true} or {@code false}. */
    @Override
    public void leak(String pool, PoolReport.Holding holding, boolean dropped) {
        if (berth) {
            (dropped ? leaksDropped : leaksHeld).increment();
        }
    }

    // ---- registration -------------------------------------------------------------------------------

    /** A destruction reason berth did not name when this was written: registered once, under the lock. */
    private Counter newReason(String reason) {
        lifecycle.lock();
        try {
            if (closed) {
                return null; // the meters are gone; registering one now would outlive close()
            }
            return destructions.computeIfAbsent(reason, this::destructionCounter);
        } finally {
            lifecycle.unlock();
        }
    }

    private Counter destructionCounter(String reason) {
        return counter(DESTRUCTIONS, "Resources destroyed, by reason", Tags.of("reason", reason));
    }

    private Timer timer(String name, String description, boolean histogram, Duration lowestBucket) {
        return timer(name, description, tags, histogram, lowestBucket);
    }

    Timer timer(String name, String description, Tags tags, boolean histogram, Duration lowestBucket) {
        return track(Timer.builder(name).description(description).tags(tags)
                .publishPercentileHistogram(histogram).minimumExpectedValue(lowestBucket).register(registry));
    }

    private Counter counter(String name, String description, Tags more) {
        return track(Counter.builder(name).description(description).tags(tags).tags(more).register(registry));
    }

    void gauge(String name, String description, Tags tags, ToLongFunction<PoolStats> field) {
        // The gauge holds this object weakly; the function captures only the field accessor.
        track(Gauge.builder(name, this, metrics -> metrics.read(field)).description(description).tags(tags)
                .register(registry));
    }

    void functionCounter(String name, String description, Tags tags, ToLongFunction<PoolStats> field) {
        // As a gauge: this object is held weakly.
        track(FunctionCounter.builder(name, this, metrics -> metrics.read(field)).description(description).tags(tags)
                .register(registry));
    }

    private double read(ToLongFunction<PoolStats> field) {
        Supplier<PoolStats> source = stats;
        return source == null ? Double.NaN : field.applyAsLong(source.get());
    }

    private <M extends Meter> M track(M meter) {
        lifecycle.lock();
        try {
            meters.add(meter);
        } finally {
            lifecycle.unlock();
        }
        return meter;
    }
}
