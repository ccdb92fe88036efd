package dev.berth.micrometer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.search.Search;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps one {@link PoolMetrics} per pool in a registry. Micrometer hands out the existing meter when one with
 * the same name and tags is registered again, so a second {@code PoolMetrics} for the same pool would share
 * the first one's counters and lose its gauges to the first pool without a word. Instead it is refused, unless
 * the first one is provably gone: its gauges read {@code NaN} because their source was garbage-collected.
 */
final class Registrations {
    private Registrations() {
    }

    /**
     * @param berthTags the tags of berth's own meters, or {@code null} when they are not registered
     * @param conventionTags the tags of the OpenTelemetry-named meters, or {@code null} when they are not registered
     */
    static void claim(MeterRegistry registry, Tags berthTags, Tags conventionTags, String pool, String kind) {
        List<Meter> existing = new ArrayList<>();
        if (berthTags != null) {
            existing.addAll(named(registry, berthTags, "berth.pool."));
        }
        if (conventionTags != null) {
            existing.addAll(named(registry, conventionTags, "db.client.connection."));
        }
        if (existing.isEmpty()) {
            return;
        }
        if (abandoned(existing)) {
            existing.forEach(registry::remove);
            return;
        }
        throw new IllegalStateException("the registry already has meters for pool '" + pool + "' (kind " + kind
                + ") from another PoolMetrics that is still open; close that one (metrics.close()) when its pool"
                + " closes, or give this pool a name of its own (the OpenTelemetry names, db.client.connection.*,"
                + " tell pools apart by name alone)");
    }

    private static List<Meter> named(MeterRegistry registry, Tags tags, String prefix) {
        return Search.in(registry).tags(tags).meters().stream()
                .filter(m -> m.getId().getName().startsWith(prefix))
                .toList();
    }

    /** The previous owner was collected without close(): its gauges exist and lost their source. */
    private static boolean abandoned(List<Meter> meters) {
        boolean anyGauge = false;
        for (Meter meter : meters) {
            if (meter instanceof Gauge gauge) {
                anyGauge = true;
                if (!Double.isNaN(gauge.value())) {
                    return false;
                }
            }
        }
        return anyGauge;
    }
}
