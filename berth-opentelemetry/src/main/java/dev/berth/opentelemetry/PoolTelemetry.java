package dev.berth.opentelemetry;

import static dev.berth.internal.ConnectionPoolConventions.CREATE_TIME;
import static dev.berth.internal.ConnectionPoolConventions.USE_TIME;
import static dev.berth.internal.ConnectionPoolConventions.WAIT_TIME;

import dev.berth.internal.ConnectionPoolConventions;
import dev.berth.internal.ConnectionPoolConventions.Instrument;
import dev.berth.internal.ConnectionPoolConventions.Reading;
import dev.berth.pool.PoolListener;
import dev.berth.pool.PoolStats;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One berth pool reported through the OpenTelemetry API, under the semantic conventions for database client
 * connection pools, for applications that use OpenTelemetry directly rather than Micrometer (berth-micrometer
 * publishes the same names to a Micrometer registry). Written from semantic-conventions v1.44.0, where these
 * metrics have the status "development"; the older {@code db.client.connections.*} names (attributes
 * {@code pool.name} and {@code state}, durations in milliseconds) are not reported.
 *
 * <table>
 * <caption>Instruments, on the meter {@value #SCOPE}; every one has the attribute
 *     {@code db.client.connection.pool.name}, the pool's name</caption>
 * <tr><th>name</th><th>instrument</th><th>unit</th><th>value</th></tr>
 * <tr><td>{@code db.client.connection.count}</td><td>asynchronous UpDownCounter</td><td>{@code {connection}}</td>
 *     <td>attribute {@code db.client.connection.state}: {@code idle} resources ready to lend, {@code used} resources
 *     lent out</td></tr>
 * <tr><td>{@code db.client.connection.max}</td><td>asynchronous UpDownCounter</td><td>{@code {connection}}</td>
 *     <td>maxSize</td></tr>
 * <tr><td>{@code db.client.connection.idle.min}</td><td>asynchronous UpDownCounter</td><td>{@code {connection}}</td>
 *     <td>minIdle</td></tr>
 * <tr><td>{@code db.client.connection.idle.max}</td><td>asynchronous UpDownCounter</td><td>{@code {connection}}</td>
 *     <td>maxSize: berth caps idle resources only by the pool's size</td></tr>
 * <tr><td>{@code db.client.connection.pending_requests}</td><td>asynchronous UpDownCounter</td>
 *     <td>{@code {request}}</td><td>callers waiting for a resource</td></tr>
 * <tr><td>{@code db.client.connection.timeouts}</td><td>asynchronous Counter</td><td>{@code {timeout}}</td>
 *     <td>acquires that timed out since the pool opened</td></tr>
 * <tr><td>{@code db.client.connection.create_time}</td><td>Histogram</td><td>{@code s}</td><td>each successful
 *     creation</td></tr>
 * <tr><td>{@code db.client.connection.wait_time}</td><td>Histogram</td><td>{@code s}</td><td>each acquire's wait for
 *     its lease (a timed-out acquire is counted in timeouts instead)</td></tr>
 * <tr><td>{@code db.client.connection.use_time}</td><td>Histogram</td><td>{@code s}</td><td>each lease, from
 *     acquire to close</td></tr>
 * </table>
 * The asynchronous instruments read the pool's {@link PoolStats} once per collection. The histograms are fed by
 * the pool's events, which is why a {@code PoolTelemetry} is a {@link PoolListener} and must go into the pool's
 * configuration before the pool is built (a pool's listener is fixed when it opens, so it sees its first
 * creations); the histograms advise bucket boundaries from 10 µs to 30 s, as OpenTelemetry's default ones are
 * meant for milliseconds.
 *
 * {@snippet :
 * PoolTelemetry telemetry = PoolTelemetry.of(openTelemetry, "orders-db");
 * Pool<Connection> pool = Pool.open(PoolConfig.builder().name("orders-db").listener(telemetry).build(), factory);
 * telemetry.bindTo(pool::stats);
 * }
 * Something that owns its pool, such as a {@code BerthDataSource}, takes the listener before it starts;
 * {@link #install} does the three steps, or none of them:
 * {@snippet :
 * dataSource.setPoolName("orders-db");
 * PoolTelemetry telemetry = PoolTelemetry.install(openTelemetry, "orders-db", dataSource::setPoolListener, dataSource::stats);
 * }
 * A pool has one listener: to report it through both Micrometer and OpenTelemetry, give it a listener that passes
 * each event to both.
 *
 * <p>Concurrency: the listener methods run on the pool's acquire and release paths and on its worker threads;
 * each is one histogram record with attributes made in advance, takes no lock and is safe from any thread.
 * {@link #bindTo} and {@link #close()} may be called from any thread.
 *
 * <p>Lifetime: the SDK holds the asynchronous instruments' callback, which holds this object only weakly, so an
 * unclosed {@code PoolTelemetry} never keeps its pool reachable; once both are garbage, the callback reports
 * nothing. {@link #close()} removes the callback (the asynchronous instruments stop reporting this pool) and drops
 * later events (the histograms keep what they recorded, as OpenTelemetry has no way to remove a recorded series).
 * Close it when the pool closes:
 * {@snippet :
 * try (PoolTelemetry telemetry = PoolTelemetry.of(openTelemetry, "files");
 *      Pool<Session> pool = Pool.open(PoolConfig.builder().name("files").listener(telemetry).build(), sessions)) {
 *     telemetry.bindTo(pool::stats);
 *     serve(pool);
 * }
 * }
 * One {@code PoolTelemetry} serves one pool, and pool names are unique within an application, as the conventions
 * require: a second one for the same name and {@link OpenTelemetry} is refused while the first is open (closed or
 * garbage-collected ones make room).
 */
public final class PoolTelemetry implements PoolListener, AutoCloseable {

    /** The instrumentation scope: the name of the {@link Meter} the instruments are made on. */
    public static final String SCOPE = "dev.berth.opentelemetry";

    private static final AttributeKey<String> POOL_NAME = AttributeKey.stringKey(ConnectionPoolConventions.POOL_NAME);
    private static final AttributeKey<String> STATE = AttributeKey.stringKey(ConnectionPoolConventions.STATE);

    private final OpenTelemetry openTelemetry;
    private final Meter meter;
    private final String pool;
    private final Attributes attributes;
    private final DoubleHistogram create;
    private final DoubleHistogram wait;
    private final DoubleHistogram use;

    private final ReentrantLock lifecycle = new ReentrantLock();
    /** The asynchronous instruments' callback once bound; guarded by {@link #lifecycle}. */
    private BatchCallback callback;
    private volatile Supplier<PoolStats> stats;
    private volatile boolean closed;

    private PoolTelemetry(OpenTelemetry openTelemetry, String pool) {
        this.openTelemetry = openTelemetry;
        this.pool = pool;
        this.meter = openTelemetry.getMeter(SCOPE);
        this.attributes = Attributes.of(POOL_NAME, pool);
        this.create = histogram(CREATE_TIME);
        this.wait = histogram(WAIT_TIME);
        this.use = histogram(USE_TIME);
    }

    /**
     * Makes the instruments of one pool.
     *
     * {@snippet :
     * PoolTelemetry telemetry = PoolTelemetry.of(GlobalOpenTelemetry.get(), "sessions");
     * }
     *
     * @param openTelemetry the OpenTelemetry instance whose meter provider gets the instruments
     * @param pool the pool's name, as in {@code PoolConfig.name()}; the value of {@code db.client.connection.pool.name}
     * @return the telemetry; install it as the pool's listener, then {@link #bindTo} its stats
     * @throws IllegalArgumentException when the name is blank
     * @throws IllegalStateException when another open {@code PoolTelemetry} already reports this pool name to
     *     {@code openTelemetry}
     */
    public static PoolTelemetry of(OpenTelemetry openTelemetry, String pool) {
        Objects.requireNonNull(openTelemetry, "openTelemetry must not be null; pass your SDK, or GlobalOpenTelemetry.get()");
        if (pool == null || pool.isBlank()) {
            throw new IllegalArgumentException("pool must not be blank; give the pool's name, as in PoolConfig.name()");
        }
        PoolTelemetry telemetry = new PoolTelemetry(openTelemetry, pool);
        Claims.claim(openTelemetry, pool, telemetry);
        return telemetry;
    }

    /**
     * Reports a pool that something else owns and starts, such as a {@code BerthDataSource}: makes the
     * instruments, binds them to {@code stats}, and hands the listener to {@code listenerSetter}. When a step
     * fails, the telemetry is closed again.
     *
     * {@snippet :
     * BerthDataSource dataSource = BerthDataSource.builder().jdbcUrl(url).poolName("orders-db").build();
     * PoolTelemetry telemetry = PoolTelemetry.install(openTelemetry, "orders-db", dataSource::setPoolListener, dataSource::stats);
     * }
     *
     * @param openTelemetry the OpenTelemetry instance whose meter provider gets the instruments
     * @param pool the pool's name; the name {@code stats} must report
     * @param listenerSetter installs the pool's listener, such as {@code dataSource::setPoolListener}
     * @param stats the pool's statistics, such as {@code dataSource::stats}
     * @return the telemetry, bound and installed
     * @throws IllegalArgumentException when the name is blank, or {@code stats} names another pool
     * @throws IllegalStateException when the listener cannot be installed any more (the pool has started), or
     *     another open {@code PoolTelemetry} already reports this pool name
     */
    public static PoolTelemetry install(OpenTelemetry openTelemetry, String pool,
                                        Consumer<? super PoolListener> listenerSetter, Supplier<PoolStats> stats) {
        Objects.requireNonNull(listenerSetter, "listenerSetter must not be null; pass one such as dataSource::setPoolListener");
        PoolTelemetry telemetry = of(openTelemetry, pool);
        try {
            telemetry.bindTo(stats);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
        try {
            listenerSetter.accept(telemetry);
        } catch (RuntimeException e) {
            telemetry.close();
            throw new IllegalStateException("the telemetry for pool '" + pool + "' could not be installed as its listener: "
                    + e.getMessage() + " (install telemetry before the pool starts)", e);
        }
        return telemetry;
    }

    /**
     * Registers the asynchronous instruments, which read the pool's statistics once each time the SDK collects
     * (one {@code stats()} call, a few microseconds).
     *
     * @param stats the pool's statistics, such as {@code pool::stats} or {@code dataSource::stats}
     * @return this object
     * @throws IllegalArgumentException when the statistics belong to a pool of another name
     * @throws IllegalStateException when already bound, or closed
     */
    public PoolTelemetry bindTo(Supplier<PoolStats> stats) {
        Objects.requireNonNull(stats, "stats must not be null; pass the pool's statistics, such as pool::stats");
        String bound = stats.get().name();
        if (!pool.equals(bound)) {
            throw new IllegalArgumentException("the telemetry for pool '" + pool + "' was bound to the statistics of pool '"
                    + bound + "'; db.client.connection.pool.name must name the pool it measures: give the pool the name '"
                    + pool + "' (PoolConfig.Builder.name, BerthDataSource.setPoolName) or make the telemetry with '" + bound + "'");
        }
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the telemetry for pool '" + pool + "' is closed; make a new one with PoolTelemetry.of");
            }
            if (callback != null) {
                throw new IllegalStateException("the telemetry for pool '" + pool + "' is already bound to its statistics;"
                        + " call bindTo once per PoolTelemetry");
            }
            this.stats = stats;
            callback = observe();
        } finally {
            lifecycle.unlock();
        }
        return this;
    }

    /**
     * The pool this telemetry reports.
     *
     * @return the pool's name, the value of {@code db.client.connection.pool.name}
     */
    public String pool() {
        return pool;
    }

    /**
     * Stops reporting: the asynchronous instruments no longer report this pool, later events are dropped, and the
     * pool's name is free for a new {@code PoolTelemetry}. Idempotent.
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
            if (callback != null) {
                callback.close();
                callback = null;
            }
            Claims.release(openTelemetry, pool, this);
        } finally {
            lifecycle.unlock();
        }
    }

    /** Whether this telemetry still reports (not closed); for {@link Claims}. */
    boolean isOpen() {
        return !closed;
    }

    @Override
    public String toString() {
        return "PoolTelemetry{pool=" + pool + (closed ? ", closed" : stats == null ? ", not bound" : "") + '}';
    }

    // ---- PoolListener: called on the pool's hot paths; a flag read and a record each --------------------

    /** Records the wait in {@code db.client.connection.wait_time}. */
    @Override
    public void acquired(String pool, long waitNanos) {
        if (!closed) {
            wait.record(ConnectionPoolConventions.seconds(waitNanos), attributes);
        }
    }

    /** Records the time the lease was held in {@code db.client.connection.use_time}. */
    @Override
    public void released(String pool, long holdNanos) {
        if (!closed) {
            use.record(ConnectionPoolConventions.seconds(holdNanos), attributes);
        }
    }

    /**
     * Records the creation's duration in {@code db.client.connection.create_time}. Creation is off the hot path, so
     * it is also where a listener shared by two pools is caught: the other pool's events are refused (the pool logs
     * the refusal).
     *
     * @throws IllegalStateException when the event comes from a pool of another name
     */
    @Override
    public void created(String pool, long createNanos) {
        if (!this.pool.equals(pool)) {
            throw new IllegalStateException("the telemetry for pool '" + this.pool + "' is also the listener of pool '"
                    + pool + "', whose events would be reported as theirs; give every pool a PoolTelemetry of its own");
        }
        if (!closed) {
            create.record(ConnectionPoolConventions.seconds(createNanos), attributes);
        }
    }

    // ---- instruments ----------------------------------------------------------------------------------

    private DoubleHistogram histogram(Instrument instrument) {
        return meter.histogramBuilder(instrument.name()).setUnit(instrument.unit()).setDescription(instrument.description())
                .setExplicitBucketBoundariesAdvice(ConnectionPoolConventions.DURATION_BUCKETS).build();
    }

    /** Registers one callback for every asynchronous instrument, so a collection reads the stats once. */
    private BatchCallback observe() {
        Map<Instrument, ObservableLongMeasurement> measurements = new LinkedHashMap<>();
        List<Observation> observations = new ArrayList<>();
        for (Reading reading : ConnectionPoolConventions.READINGS) {
            ObservableLongMeasurement measurement = measurements.computeIfAbsent(reading.instrument(), this::observer);
            Attributes these = reading.state() == null ? attributes : attributes.toBuilder().put(STATE, reading.state()).build();
            observations.add(new Observation(measurement, these, reading));
        }
        List<ObservableMeasurement> all = List.copyOf(measurements.values());
        return meter.batchCallback(new Collect(new WeakReference<>(this), observations),
                all.getFirst(), all.subList(1, all.size()).toArray(ObservableMeasurement[]::new));
    }

    private ObservableLongMeasurement observer(Instrument instrument) {
        return switch (instrument.kind()) {
            case UP_DOWN_COUNTER -> meter.upDownCounterBuilder(instrument.name()).setUnit(instrument.unit())
                    .setDescription(instrument.description()).buildObserver();
            case COUNTER -> meter.counterBuilder(instrument.name()).setUnit(instrument.unit())
                    .setDescription(instrument.description()).buildObserver();
            case HISTOGRAM -> throw new IllegalStateException(instrument.name() + " is recorded, not observed");
        };
    }

    private record Observation(ObservableLongMeasurement measurement, Attributes attributes, Reading reading) {
    }

    /** The SDK's callback: holds the telemetry weakly, so the SDK never keeps a forgotten pool reachable. */
    private record Collect(WeakReference<PoolTelemetry> owner, List<Observation> observations) implements Runnable {
        @Override
        public void run() {
            PoolTelemetry telemetry = owner.get();
            Supplier<PoolStats> source = telemetry == null ? null : telemetry.stats;
            if (source == null) {
                return;
            }
            PoolStats stats = source.get();
            for (Observation o : observations) {
                o.measurement().record(o.reading().value().applyAsLong(stats), o.attributes());
            }
        }
    }
}
