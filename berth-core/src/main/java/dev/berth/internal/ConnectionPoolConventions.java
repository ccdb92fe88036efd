package dev.berth.internal;

import dev.berth.pool.PoolStats;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Not API: the OpenTelemetry semantic conventions for database client connection pools, in berth's terms, so that
 * berth-micrometer and berth-opentelemetry publish the same names, units and values without depending on each
 * other. Written from semantic-conventions v1.44.0 ({@code model/db/metrics.yaml}), where every one of these
 * metrics and attributes has the status "development". They replaced the {@code db.client.connections.*} names
 * (attributes {@code pool.name} and {@code state}, durations in milliseconds), which berth does not publish.
 *
 * <p>The values come from {@link PoolStats} (read when a backend collects) and, for the three durations, from
 * {@link dev.berth.pool.PoolListener} events. berth's pools lend any resource, not only database connections; a
 * Redis pool reports under the same names, as the conventions count Redis among database clients.
 */
public final class ConnectionPoolConventions {
    private ConnectionPoolConventions() {
    }

    /** Attribute on every instrument: the pool's name, unique within the application. */
    public static final String POOL_NAME = "db.client.connection.pool.name";
    /** Attribute of {@link #COUNT}: {@link #IDLE} or {@link #USED}. */
    public static final String STATE = "db.client.connection.state";
    /** {@link #STATE} of resources ready to lend. */
    public static final String IDLE = "idle";
    /** {@link #STATE} of resources lent out. */
    public static final String USED = "used";

    /** What the conventions say an instrument is: its name, instrument kind, unit (UCUM) and description. */
    public record Instrument(String name, Kind kind, String unit, String description) {
    }

    /** The OpenTelemetry instrument kinds these metrics use. */
    public enum Kind {
        /** A value that goes up and down, observed when collected (a Micrometer gauge). */
        UP_DOWN_COUNTER,
        /** A value that only grows, observed when collected (a Micrometer function counter). */
        COUNTER,
        /** Recorded durations, in seconds (a Micrometer timer). */
        HISTOGRAM
    }

    public static final Instrument COUNT = new Instrument("db.client.connection.count", Kind.UP_DOWN_COUNTER,
            "{connection}", "The number of connections that are currently in state described by the state attribute");
    public static final Instrument MAX = new Instrument("db.client.connection.max", Kind.UP_DOWN_COUNTER,
            "{connection}", "The maximum number of open connections allowed");
    public static final Instrument IDLE_MIN = new Instrument("db.client.connection.idle.min", Kind.UP_DOWN_COUNTER,
            "{connection}", "The minimum number of idle open connections allowed");
    public static final Instrument IDLE_MAX = new Instrument("db.client.connection.idle.max", Kind.UP_DOWN_COUNTER,
            "{connection}", "The maximum number of idle open connections allowed");
    public static final Instrument PENDING_REQUESTS = new Instrument("db.client.connection.pending_requests",
            Kind.UP_DOWN_COUNTER, "{request}", "The number of current pending requests for an open connection");
    public static final Instrument TIMEOUTS = new Instrument("db.client.connection.timeouts", Kind.COUNTER,
            "{timeout}", "The number of connection timeouts that have occurred trying to obtain a connection from the pool");
    public static final Instrument CREATE_TIME = new Instrument("db.client.connection.create_time", Kind.HISTOGRAM,
            "s", "The time it took to create a new connection");
    public static final Instrument WAIT_TIME = new Instrument("db.client.connection.wait_time", Kind.HISTOGRAM,
            "s", "The time it took to obtain an open connection from the pool");
    public static final Instrument USE_TIME = new Instrument("db.client.connection.use_time", Kind.HISTOGRAM,
            "s", "The time between borrowing a connection and returning it to the pool");

    /**
     * One observed value: an instrument, the {@link #STATE} it is reported under ({@code null} for none) and where
     * it comes from.
     */
    public record Reading(Instrument instrument, String state, ToLongFunction<PoolStats> value) {
    }

    /**
     * Everything read from {@link PoolStats} when a backend collects. {@code idle.max} is {@code maxSize}: berth
     * caps idle resources only by the pool's size (those above {@code minIdle} are closed after {@code idleTimeout},
     * but up to {@code maxSize} may be idle at once). The timeouts counter is {@link PoolStats#timeouts()}, counted
     * since the pool opened, so it reads 0 from the start rather than appearing with the first timeout.
     */
    public static final List<Reading> READINGS = List.of(
            new Reading(COUNT, IDLE, PoolStats::idle),
            new Reading(COUNT, USED, PoolStats::leased),
            new Reading(MAX, null, PoolStats::maxSize),
            new Reading(IDLE_MIN, null, PoolStats::minIdle),
            new Reading(IDLE_MAX, null, PoolStats::maxSize),
            new Reading(PENDING_REQUESTS, null, PoolStats::waiting),
            new Reading(TIMEOUTS, null, PoolStats::timeouts));

    /** The three durations, recorded from pool events: create (created), wait (acquired) and use (released). */
    public static final List<Instrument> DURATIONS = List.of(CREATE_TIME, WAIT_TIME, USE_TIME);

    /**
     * Bucket boundaries, in seconds, for the duration histograms, which the conventions leave open: from 10 µs (an
     * uncontended acquire takes a few) to 30 s, as berth's own timers. OpenTelemetry's default boundaries
     * (0 to 10,000) are meant for milliseconds and would put nearly every duration in seconds into one bucket.
     */
    public static final List<Double> DURATION_BUCKETS = List.of(0.00001, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0);

    /**
     * A duration from a pool event in the conventions' unit.
     *
     * @param nanos nanoseconds
     * @return seconds
     */
    public static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
