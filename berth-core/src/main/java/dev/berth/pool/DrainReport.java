package dev.berth.pool;

import java.time.Duration;

/**
 * What a graceful {@link Pool#close(Duration)} did: how long it took, whom it served and what it had to cut off when
 * its grace ran out.
 *
 * {@snippet :
 * DrainReport report = pool.close(Duration.ofSeconds(20));
 * if (!report.clean()) {
 *     log.warn("shutdown cut off work: {}", report);
 * }
 * }
 *
 * @param took from the call to the pool being closed
 * @param waitingAtStart callers queued when the close began; each was served or, if the grace ran out first, failed
 * @param waitersCutOff callers still queued when the grace ran out, failed with a {@link PoolClosedException}
 * @param leasedAtStart leases out when the close began
 * @param leasesCutOff leases not returned within the grace; their resources were destroyed
 * @param refused callers that arrived after the close began and were refused at once
 */
public record DrainReport(Duration took, int waitingAtStart, int waitersCutOff, int leasedAtStart, int leasesCutOff,
        long refused) {

    /** @return whether everything in flight finished within the grace: no queued caller failed, no lease cut off */
    public boolean clean() {
        return waitersCutOff == 0 && leasesCutOff == 0;
    }

    @Override
    public String toString() {
        return "closed in " + PoolStats.fmt(took) + ": " + (leasedAtStart - leasesCutOff) + " of " + leasedAtStart
                + " lease(s) finished, " + (waitingAtStart - waitersCutOff) + " of " + waitingAtStart
                + " waiting caller(s) served or timed out, " + refused + " new caller(s) refused"
                + (clean() ? "" : "; cut off: " + waitersCutOff + " waiting caller(s), " + leasesCutOff + " lease(s)");
    }
}
