package dev.berth.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Options for {@link PoolMetrics}: extra tags, percentile histograms, and which names to register. Get one from
 * {@link PoolMetrics#builder}; not thread-safe.
 *
 * {@snippet :
 * PoolMetrics metrics = PoolMetrics.builder(registry, "orders-db", "jdbc")
 *         .tag("region", "eu-west")
 *         .percentileHistogram(true)
 *         .build();
 * }
 */
public final class PoolMetricsBuilder {
    private final MeterRegistry registry;
    private final String pool;
    private final String kind;
    private Tags extraTags = Tags.empty();
    private boolean percentileHistogram;
    private Set<MeterConvention> conventions = EnumSet.allOf(MeterConvention.class);

    PoolMetricsBuilder(MeterRegistry registry, String pool, String kind) {
        this.registry = Objects.requireNonNull(registry, "registry must not be null");
        this.pool = nonBlank("pool", pool, "the pool's name, as in PoolConfig.name()");
        this.kind = nonBlank("kind", kind, "what the pool holds, such as \"jdbc\" or \"redis\"");
    }

    /**
     * Adds a tag to every meter of this pool. The tags {@code pool} and {@code kind} are set by berth and
     * win over tags of the same key given here.
     *
     * @param key the tag's key
     * @param value the tag's value
     * @return this builder
     */
    public PoolMetricsBuilder tag(String key, String value) {
        extraTags = extraTags.and(key, value);
        return this;
    }

    /**
     * Adds tags to every meter of this pool (common tags for every meter belong in the registry's
     * {@code config().commonTags(...)} instead).
     *
     * @param tags the tags
     * @return this builder
     */
    public PoolMetricsBuilder tags(Iterable<Tag> tags) {
        extraTags = extraTags.and(tags);
        return this;
    }

    /**
     * Publishes histogram buckets for the timers (acquire and hold; wait, use and create time), so a backend such as Prometheus can
     * compute percentiles across instances ({@code histogram_quantile}). Off by default: about 70 extra
     * series per timer (the acquire timer's buckets start at 10 µs, the hold timer's at 1 ms; both end at
     * 30 s). A registry-wide {@code MeterFilter} can switch it on too.
     *
     * @param on whether to publish the buckets
     * @return this builder
     */
    public PoolMetricsBuilder percentileHistogram(boolean on) {
        this.percentileHistogram = on;
        return this;
    }

    /**
     * Chooses the names the meters are registered under: berth's own ({@code berth.pool.*}), the OpenTelemetry
     * semantic conventions' ({@code db.client.connection.*}), or both, the default. Both by default so that a pool
     * shows up on dashboards built on the conventions without further setup, while berth's own meters keep what
     * only berth counts; the conventions' meters add 16 series per pool (without
     * percentile histograms). The conventions name a pool by its
     * name alone, without the kind: with {@link MeterConvention#OPENTELEMETRY}, two pools of one name are refused
     * even when their kinds differ.
     *
     * {@snippet :
     * PoolMetrics metrics = PoolMetrics.builder(registry, "orders-db", "jdbc")
     *         .conventions(MeterConvention.OPENTELEMETRY)
     *         .build();
     * }
     *
     * @param first a set of names to register
     * @param more more of them
     * @return this builder
     */
    public PoolMetricsBuilder conventions(MeterConvention first, MeterConvention... more) {
        this.conventions = EnumSet.of(Objects.requireNonNull(first,
                "first must not be null; pass MeterConvention.BERTH, MeterConvention.OPENTELEMETRY or both"), more);
        return this;
    }

    /**
     * Registers the meters.
     *
     * @return the metrics
     * @throws IllegalStateException when another open {@code PoolMetrics} already has this pool and kind
     */
    public PoolMetrics build() {
        return new PoolMetrics(registry, pool, kind, extraTags, percentileHistogram, conventions);
    }

    private static String nonBlank(String what, String value, String hint) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank; give " + hint);
        }
        return value;
    }
}
