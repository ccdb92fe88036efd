package dev.berth.pool;

import java.time.Duration;
import java.util.List;

/**
 * What a pool is doing right now and who holds its resources: the forensic report behind every acquire
 * timeout, also available on demand from {@link Pool#report()}. {@link #toString()} renders it as text for
 * logs; the components are there for dashboards and tests.
 *
 * {@snippet :
 * PoolReport report = pool.report();
 * for (PoolReport.Holding h : report.holders()) {
 *     log.info("{} has held a connection for {} at {}", h.thread(), h.heldFor(), h.site());
 * }
 * }
 *
 * @param stats the pool's sizes and counters
 * @param lastCreationFailure the latest failure to create a resource, as text, or {@code null}
 * @param holders the current holders, longest hold first (at most {@link #MAX_HOLDERS})
 */
public record PoolReport(PoolStats stats, String lastCreationFailure, List<Holding> holders) {

    /** The most holders a report lists. */
    public static final int MAX_HOLDERS = 5;

    /** @param stats sizes; @param lastCreationFailure text or null; @param holders longest first */
    public PoolReport {
        holders = List.copyOf(holders);
    }

    /**
     * One open lease.
     *
     * @param thread the name (or id) of the thread that took it
     * @param heldFor how long it has been held
     * @param state what the holder said it is doing ({@link Lease#state(String)}), or {@code null}
     * @param site the first application frame (outside berth, the drivers and the JDK): where the lease was
     *     taken when {@code siteAtAcquire}, otherwise where the holder thread is now; {@code null} when unknown
     * @param siteAtAcquire whether {@code site} was recorded when the lease was taken ({@code callSites} or
     *     leak detection on) rather than sampled from the holder's current stack
     * @param stack the full stack at acquire time when callSites or leak detection is on; otherwise empty
     */
    public record Holding(String thread, Duration heldFor, String state, StackTraceElement site,
                          boolean siteAtAcquire, List<StackTraceElement> stack) {

        /**
         * @param thread name; @param heldFor time; @param state or null; @param site or null
         * @param siteAtAcquire how site was found; @param stack or empty
         */
        public Holding {
            stack = List.copyOf(stack);
        }

        @Override
        public String toString() {
            return "held " + PoolStats.fmt(heldFor) + " by " + thread + (state != null ? " (" + state + ")" : "")
                    + (site == null ? " at an unknown site"
                            : siteAtAcquire ? " taken at " + site : " now at " + site);
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder()
                .append("pool '").append(stats.name()).append("': total=").append(stats.total())
                .append(", idle=").append(stats.idle()).append(", leased=").append(stats.leased())
                .append(", waiting=").append(stats.waiting()).append(", max=").append(stats.maxSize());
        if (lastCreationFailure != null) {
            text.append("; last creation failure: ").append(lastCreationFailure);
        }
        if (!holders.isEmpty()) {
            text.append("; longest holders:");
            for (Holding h : holders) {
                text.append("\n  - ").append(h);
            }
        }
        return text.toString();
    }
}
