package dev.berth.bench.failover;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Renders outcomes as the markdown of docs/benchmarks.md: what was run, a table per scenario, a line per run. */
final class Tables {

    private Tables() {
    }

    /** @return how every run was set up and what the columns mean */
    static String setup(String serverVersion, Duration cap) {
        return String.format(Locale.ROOT, """
                PostgreSQL %s from the machine's binaries: each run on a fresh `PostgresPair` (a primary and a streaming \
                standby, synchronous replication, free loopback ports). %d virtual threads insert unique ids in autocommit, \
                one borrowed connection per insert, through a pool of %d (connection timeout %d s, every other setting at the \
                pool's default) on the pair's multi-host URL (`targetServerType=primary`, pgjdbc `hostRecheckSeconds=10`). \
                After a %d s warm-up the primary is fenced or crashed; at the first write that fails for it the standby is \
                promoted.

                An outage failure is a write that failed because a server was out of reach: the insert failed on its \
                connection, or the pool could not open one. Write downtime: from the first outage failure to the first write \
                the new primary acknowledged after the last one, writes then going on %d s with no outage failure \
                (recovered); "not within %d s" when that had not happened %d s after the promotion returned (the run stops \
                there; the downtime is at least the first outage failure to that stop). The downtime includes the wait for \
                the fault's call to return before the promotion is requested (`pg_ctl stop -w` polls every 100 ms), which is \
                the harness's, not the pool's. Promotion to recovery: from `promoteStandby()` being called to that first \
                write, the pool's own share. Failed writes: every write that failed from the first \
                outage failure to the recovery (or the stop). Busy-pool timeouts: writes that waited out the %d s \
                connection timeout with no connection failure behind it, outside that span, so not the fault's doing. \
                Acknowledged lost: acknowledged ids missing on the new primary at the end.
                """, serverVersion, Switchover.WRITERS, Contender.POOL_SIZE, Contender.CONNECTION_TIMEOUT_MILLIS / 1000,
                Switchover.WARMUP.toSeconds(), Switchover.QUIET.toSeconds(), cap.toSeconds(), cap.toSeconds(),
                Contender.CONNECTION_TIMEOUT_MILLIS / 1000);
    }

    /** @return the scenario's table: a row per contender and run, the ratio HikariCP ÷ berth for each run, a line per run */
    static String scenario(Scenario scenario, List<Outcome> outcomes, Duration cap) {
        StringBuilder md = new StringBuilder();
        md.append("### ").append(scenario.title()).append(": ").append(scenario.how()).append("\n\n")
          .append("| contender | run | write downtime | promotion to recovery | failed writes | recovered | acknowledged lost"
                  + " | acknowledged (by the new primary) | busy-pool timeouts |\n")
          .append("|---|---:|---:|---:|---:|---|---:|---:|---:|\n");
        int runs = outcomes.stream().mapToInt(Outcome::run).max().orElse(0);
        for (int run = 1; run <= runs; run++) {
            Outcome berth = null;
            Outcome hikari = null;
            for (Outcome o : outcomes) {
                if (o.run() != run) {
                    continue;
                }
                md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %,d | %s | %d | %,d (%,d) | %,d |%n",
                        o.contender().label(), run, downtime(o, cap), o.recovered() ? duration(o.promotionToRecovery()) : "-",
                        o.failedInSwitchover(), o.recovered() ? "yes" : "no", o.acknowledgedLost(), o.acknowledged(),
                        o.acknowledgedByNewPrimary(), o.waitsOutside()));
                if (o.contender() == Contender.BERTH) {
                    berth = o;
                } else {
                    hikari = o;
                }
            }
            if (berth != null && hikari != null) {
                md.append(String.format(Locale.ROOT, "| HikariCP ÷ berth | %d | **%s** | %s | %s | | | | |%n",
                        run, downtimeRatio(hikari, berth),
                        hikari.recovered() && berth.recovered() ? ratio(hikari.promotionToRecovery(), berth.promotionToRecovery()) : "",
                        ratio(hikari.failedInSwitchover(), berth.failedInSwitchover())));
            }
        }
        md.append('\n');
        for (Outcome o : outcomes) {
            md.append("- ").append(details(o)).append('\n');
        }
        return md.toString();
    }

    /** @return one run in a sentence: the figures behind its row, with the failures by kind and SQLSTATE */
    static String details(Outcome o) {
        String after = o.recovered()
                ? "recovered " + duration(o.promotionToRecovery()) + " after the promotion was requested (first write on the new"
                        + " primary " + duration(o.firstOnNewPrimary() - o.promotionRequested()) + "), downtime " + duration(o.downtime())
                : "not recovered when the run stopped " + duration(o.ended() - o.promoted()) + " after the promotion"
                        + (o.firstOnNewPrimary() == Writers.NEVER ? ", no write on the new primary"
                                : ", first write on the new primary " + duration(o.firstOnNewPrimary() - o.promotionRequested())
                                        + " after the promotion was requested")
                        + (o.lastOutage() == Writers.NEVER ? "" : ", last outage failure "
                                + duration(o.lastOutage() - o.promoted()) + " after the promotion");
        return String.format(Locale.ROOT,
                "%s, %s, run %d: %,.0f writes/s before the fault; first outage failure %s after the fault began; promotion"
                        + " requested %s after it (when the fault's call returned) and took %s; %s; failures %s; acknowledged %,d (%,d by the new primary), lost %d; longest stretch with no"
                        + " write acknowledged %s%s",
                o.scenario().title(), o.contender().label(), o.run(), o.writesPerSecondBeforeFault(),
                o.firstOutage() == Writers.NEVER ? "(none)" : duration(o.firstOutage() - o.faultStarted()),
                o.firstOutage() == Writers.NEVER ? "-" : duration(o.promotionRequested() - o.firstOutage()),
                duration(o.promotionTook()), after, o.failuresByCause(), o.acknowledged(), o.acknowledgedByNewPrimary(),
                o.acknowledgedLost(), duration(o.longestSilence()),
                o.unexpected() == 0 ? "" : "; " + o.unexpected() + " UNEXPECTED exceptions other than SQLException");
    }

    private static String downtime(Outcome o, Duration cap) {
        return o.recovered() ? duration(o.downtime())
                : "not within " + cap.toSeconds() + " s (≥ " + duration(o.downtimeAtLeast()) + ")";
    }

    private static String downtimeRatio(Outcome hikari, Outcome berth) {
        if (!berth.recovered()) {
            return hikari.recovered() ? "< " + ratio(hikari.downtime(), berth.downtimeAtLeast()) : "neither recovered";
        }
        return hikari.recovered() ? ratio(hikari.downtime(), berth.downtime()) : "> " + ratio(hikari.downtimeAtLeast(), berth.downtime());
    }

    private static String ratio(long numerator, long denominator) {
        if (denominator <= 0) {
            return "-";
        }
        double r = (double) numerator / denominator;
        return String.format(Locale.ROOT, r >= 100 ? "%,.0fx" : "%.2fx", r);
    }

    /** @return nanoseconds as ms below 10 s, else as seconds with one decimal */
    static String duration(long nanos) {
        if (nanos == Writers.NEVER) {
            return "-";
        }
        double ms = nanos / 1e6;
        return Math.abs(ms) < 10_000 ? String.format(Locale.ROOT, "%,.0f ms", ms) : String.format(Locale.ROOT, "%.1f s", ms / 1e3);
    }
}
