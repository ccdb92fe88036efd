package dev.berth.micrometer;

import static dev.berth.internal.ConnectionPoolConventions.CREATE_TIME;
import static dev.berth.internal.ConnectionPoolConventions.USE_TIME;
import static dev.berth.internal.ConnectionPoolConventions.WAIT_TIME;

import dev.berth.internal.ConnectionPoolConventions;
import dev.berth.internal.ConnectionPoolConventions.Instrument;
import dev.berth.internal.ConnectionPoolConventions.Reading;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The meters of {@link MeterConvention#OPENTELEMETRY} for one pool: the three duration timers, made with the
 * {@link PoolMetrics} and fed by its listener methods, and the gauges and the timeouts counter, registered when it
 * is bound to the pool's statistics. The names, units and values are berth-core's
 * {@link ConnectionPoolConventions}, which berth-opentelemetry publishes too.
 *
 * <p>As Micrometer meters: an up-down counter of the conventions is a gauge, the timeouts counter a function
 * counter over {@code PoolStats.timeouts()}, a histogram in seconds a timer (which a Prometheus registry renders in
 * seconds, {@code db_client_connection_wait_time_seconds}; an OTLP registry in its {@code baseTimeUnit}, which
 * must be set to seconds to match the conventions). The gauges get no base unit: the conventions' units
 * ({@code {connection}}, {@code {request}}) are annotations, which a Prometheus name would otherwise carry as a
 * suffix.
 */
final class ConventionMeters {
    private final Tags tags;
    private final Timer create;
    private final Timer wait;
    private final Timer use;

    ConventionMeters(PoolMetrics metrics, Tags tags, boolean percentileHistogram) {
        this.tags = tags;
        this.create = timer(metrics, CREATE_TIME, percentileHistogram, null);
        this.wait = timer(metrics, WAIT_TIME, percentileHistogram, Duration.ofNanos(10_000));
        this.use = timer(metrics, USE_TIME, percentileHistogram, null);
    }

    /**
     * The tags of every meter here: the builder's extra tags and the pool's name. Extra tags named {@code pool} or
     * {@code kind} are left out: on berth's meters berth's own values replace them, and here they would say
     * something else than the pool's name.
     */
    static Tags tagsOf(Tags extraTags, String pool) {
        return Tags.of(extraTags.stream().filter(t -> !t.getKey().equals("pool") && !t.getKey().equals("kind")).toList())
                .and(ConnectionPoolConventions.POOL_NAME, pool);
    }

    /** Registers the gauges and the timeouts counter, which read the statistics {@code metrics} is bound to. */
    void bind(PoolMetrics metrics) {
        for (Reading reading : ConnectionPoolConventions.READINGS) {
            Instrument instrument = reading.instrument();
            Tags these = reading.state() == null ? tags : tags.and(ConnectionPoolConventions.STATE, reading.state());
            switch (instrument.kind()) {
                case COUNTER -> metrics.functionCounter(instrument.name(), instrument.description(), these, reading.value());
                case UP_DOWN_COUNTER -> metrics.gauge(instrument.name(), instrument.description(), these, reading.value());
                case HISTOGRAM -> throw new IllegalStateException(instrument.name() + " is recorded, not read from stats");
            }
        }
    }

    void created(long nanos) {
        create.record(nanos, TimeUnit.NANOSECONDS);
    }

    void waited(long nanos) {
        wait.record(nanos, TimeUnit.NANOSECONDS);
    }

    void used(long nanos) {
        use.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(PoolMetrics metrics, Instrument instrument, boolean histogram, Duration lowestBucket) {
        return metrics.timer(instrument.name(), instrument.description(), tags, histogram, lowestBucket);
    }
}
