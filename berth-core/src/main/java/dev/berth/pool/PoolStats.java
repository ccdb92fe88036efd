package dev.berth.pool;

import java.time.Duration;

/**
 * A snapshot of a pool's state and history. Counters are read one after another without a lock, so under
 * load they may disagree by a few operations (for example {@code idle + leased} briefly differing from
 * {@code total}).
 *
 * @param name the pool's name
 * @param total resources that exist now (idle and leased)
 * @param idle resources ready to lend
 * @param leased resources lent out
 * @param waiting callers waiting for a resource
 * @param overloaded whether the queue stands (see {@link OverloadPolicy}): callers arrive faster than the pool serves
 * @param maxSize the configured maximum
 * @param minIdle the configured number of idle resources kept ready
 * @param created resources created since the pool opened
 * @param destroyed resources destroyed since the pool opened
 * @param acquired leases handed out since the pool opened
 * @param timeouts acquires that timed out
 * @param shed acquires refused at once because the pool was overloaded ({@link OverloadPolicy#SHED}); not in timeouts
 * @param creationFailures resource creations that failed
 * @param acquireWait how long acquires waited
 * @param hold how long leases were held
 */
public record PoolStats(
        String name,
        int total,
        int idle,
        int leased,
        int waiting,
        boolean overloaded,
        int maxSize,
        int minIdle,
        long created,
        long destroyed,
        long acquired,
        long timeouts,
        long shed,
        long creationFailures,
        Percentiles acquireWait,
        Percentiles hold) {

    /**
     * Latency percentiles over everything recorded since the pool opened; values are accurate to about
     * 3% (log-linear buckets).
     *
     * @param count how many values were recorded
     * @param p50 median
     * @param p90 90th percentile
     * @param p99 99th percentile
     * @param p999 99.9th percentile
     * @param max the largest value
     */
    public record Percentiles(long count, Duration p50, Duration p90, Duration p99, Duration p999, Duration max) {
        @Override
        public String toString() {
            return "n=" + count + " p50=" + fmt(p50) + " p90=" + fmt(p90) + " p99=" + fmt(p99)
                    + " p99.9=" + fmt(p999) + " max=" + fmt(max);
        }
    }

    static String fmt(Duration d) {
        long nanos = d.toNanos();
        if (nanos < 10_000L) return nanos + "ns";
        if (nanos < 10_000_000L) return (nanos / 1_000L) + "µs";
        if (nanos < 10_000_000_000L) return (nanos / 1_000_000L) + "ms";
        return (nanos / 1_000_000_000L) + "s";
    }

    @Override
    public String toString() {
        return name + ": total=" + total + " idle=" + idle + " leased=" + leased + " waiting=" + waiting + (overloaded ? " (overloaded)" : "")
                + " max=" + maxSize + " minIdle=" + minIdle + " created=" + created + " destroyed=" + destroyed + " acquired=" + acquired
                + " timeouts=" + timeouts + (shed > 0 ? " shed=" + shed : "") + " creationFailures=" + creationFailures
                + "\n  acquire wait: " + acquireWait + "\n  hold:         " + hold;
    }
}
