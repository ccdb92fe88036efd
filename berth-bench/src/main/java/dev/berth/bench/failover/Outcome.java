package dev.berth.bench.failover;

import java.util.Map;

/**
 * What one contender went through in one switchover. Times are nanoseconds since the run's origin;
 * {@link Writers#NEVER} where the event did not happen. "Outage failure": a write that failed because a server was out
 * of reach ({@link Writers.Kind#WRITE} or {@link Writers.Kind#OPEN}), as opposed to one that waited out the connection
 * timeout on a busy pool ({@link Writers.Kind#WAIT}).
 *
 * @param faultStarted when the fault was begun ({@code makePrimaryReadOnly()} or {@code stopPrimaryImmediately()})
 * @param promotionRequested when {@code promoteStandby()} was called (after the first outage failure)
 * @param promoted when {@code promoteStandby()} returned: a fresh session on the standby took writes
 * @param firstOutage the first outage failure (there is none before the fault: the warm-up checks it)
 * @param lastOutage the last outage failure of the run
 * @param recovery the first write acknowledged by the new primary after the last outage failure, when the run recovered
 * @param firstOnNewPrimary the first write acknowledged by the new primary at all
 * @param ended when the writers were told to stop: recovery plus the quiet window, or the cap
 * @param recovered whether writes went on, on the new primary, for the quiet window with no outage failure, within the cap
 * @param failedInSwitchover writes that failed, of any kind, from the first outage failure to the recovery (or the end)
 * @param waitsOutside writes that waited out the connection timeout on a busy pool before the first outage failure or
 *     after the recovery: failures that no fault caused
 * @param failuresByCause every failed write of the run by kind and SQLSTATE
 * @param firstMessageByCause the first failure's exception and message for each kind and SQLSTATE
 * @param acknowledged writes acknowledged in the whole run
 * @param acknowledgedBeforeFault writes acknowledged before the fault began, in the warm-up
 * @param acknowledgedByNewPrimary writes acknowledged by the new primary
 * @param acknowledgedLost acknowledged writes whose id is not on the new primary at the end (must be 0)
 * @param longestSilence the longest stretch after the fault began with no write acknowledged by any server
 * @param unexpected exceptions other than SQLException that the writers caught (must be 0)
 * @param serverVersion the pair's PostgreSQL ({@code server_version})
 */
record Outcome(Scenario scenario, Contender contender, int run,
               long faultStarted, long promotionRequested, long promoted,
               long firstOutage, long lastOutage, long recovery, long firstOnNewPrimary, long ended, boolean recovered,
               long failedInSwitchover, long waitsOutside, Map<String, Long> failuresByCause,
               Map<String, String> firstMessageByCause,
               long acknowledged, long acknowledgedBeforeFault, long acknowledgedByNewPrimary, long acknowledgedLost,
               long longestSilence, int unexpected, String serverVersion) {

    /** @return first outage failure to the recovery; {@link Writers#NEVER} when not recovered; 0 when no write failed */
    long downtime() {
        if (!recovered) {
            return Writers.NEVER;
        }
        return firstOutage == Writers.NEVER ? 0 : recovery - firstOutage;
    }

    /** @return the least the downtime can be: first outage failure to the end of the run, for a run that did not recover */
    long downtimeAtLeast() {
        return firstOutage == Writers.NEVER ? 0 : ended - firstOutage;
    }

    /** @return promotion requested to the recovery (the first write of the steady run on the new primary) */
    long promotionToRecovery() {
        return recovered ? recovery - promotionRequested : Writers.NEVER;
    }

    /** @return writes per second in the warm-up, before the fault */
    double writesPerSecondBeforeFault() {
        return acknowledgedBeforeFault / (faultStarted / 1e9);
    }

    /** @return how long {@code promoteStandby()} took to return */
    long promotionTook() {
        return promoted - promotionRequested;
    }
}
