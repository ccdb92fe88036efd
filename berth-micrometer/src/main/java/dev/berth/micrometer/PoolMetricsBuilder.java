package dev.berth.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Options for {@link PoolMetrics}: extra tags and percentile histograms. Get one from
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
     * Publishes histogram buckets for the acquire and hold timers, so a backend such as Prometheus can
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
     * Registers the meters.
     *
     * @return the metrics
     * @throws IllegalStateException when another open {@code PoolMetrics} already has this pool and kind
     */
    public PoolMetrics build() {
        return new PoolMetrics(registry, pool, kind, extraTags, percentileHistogram);
    }

    private static String nonBlank(String what, String value, String hint) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank; give " + hint);
        }
        return value;
    }
}
