package dev.berth.jdbc.tx;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Asks each replica, every {@code interval}, whether it still is one and how far it lags, and keeps it out of
 * routing while it is not fit: promoted (seen in recovery before, no longer now, so it no longer follows the
 * primary; after a failover it may even be a diverged old timeline) or behind its primary by more than
 * {@code maxLag}. Lag is zero while the replica has replayed all it received (an idle primary sends nothing, and the
 * last replay's timestamp would otherwise look old), else the age of the last transaction it replayed. A replica
 * never seen in recovery (a logical replica, a read-only copy) is not a streaming standby: neither its promotion nor
 * its lag can be seen from it, so it stays in routing and is judged by its failures only.
 *
 * <p>A replica that cannot be asked (no connection, a failed query) is marked down for the router's recheck time,
 * as if a transaction had found it so. Each check runs on its own virtual thread, bounded by a query timeout of
 * {@code interval} (at least a second), so a hung replica delays no other; a check still running when the next is
 * due is not doubled.
 */
final class ReplicaHealth implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Database.class.getName());
    static final String QUERY = "select pg_is_in_recovery(), case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
            + " then 0 else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0) end";

    private final String database;
    private final List<Target> replicas;
    private final Duration maxLag;
    private final long recheckAfterNanos;
    private final int queryTimeoutSeconds;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<Target> checking = ConcurrentHashMap.newKeySet();
    /** Replicas a check found in recovery at least once: streaming standbys, whose promotion means something. */
    private final Set<Target> standbys = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    ReplicaHealth(String database, List<Target> replicas, Duration interval, Duration maxLag, Duration recheckAfter) {
        this.database = database;
        this.replicas = List.copyOf(replicas);
        this.maxLag = maxLag;
        this.recheckAfterNanos = recheckAfter.toNanos();
        this.queryTimeoutSeconds = (int) Math.max(1, interval.toSeconds());
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "berth-" + database + "-replica-health");
            t.setDaemon(true);
            return t;
        });
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.scheduleWithFixedDelay(this::checkAll, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void checkAll() {
        for (Target replica : replicas) {
            if (checking.add(replica)) {
                Thread.ofVirtual().name("berth-" + database + "-check-" + replica.name()).start(() -> {
                    try {
                        check(replica);
                    } finally {
                        checking.remove(replica);
                    }
                });
            }
        }
    }

    /** Asks one replica and admits or excludes it; package-private for tests. */
    void check(Target replica) {
        boolean inRecovery;
        double lagSeconds;
        try (Connection c = replica.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet row = s.executeQuery(QUERY)) {
                row.next();
                inRecovery = row.getBoolean(1);
                lagSeconds = row.getDouble(2);
            }
        } catch (SQLException | RuntimeException e) {
            if (closed) {
                return; // the database is closing its data sources
            }
            if (e instanceof SQLException sql && replica.healthy()) {
                replica.markDown(sql, System.nanoTime(), recheckAfterNanos);
                LOG.log(Level.WARNING, () -> database + ": " + replica.name() + " did not answer its health check and is skipped for "
                        + TimeUnit.NANOSECONDS.toMillis(recheckAfterNanos) + " ms: " + e.getMessage());
            }
            return;
        }
        if (inRecovery) {
            standbys.add(replica);
        } else if (!standbys.contains(replica)) {
            return; // not a streaming standby (a logical replica, a copy): nothing here to judge it by
        }
        String unfit = !inRecovery
                ? "promoted: it is no longer in recovery (pg_is_in_recovery() is false), so it no longer follows the primary"
                : maxLag.isZero() || lagSeconds * 1e9 <= maxLag.toNanos() ? null
                : String.format(java.util.Locale.ROOT, "lags %.1f s behind its primary (maxReplicaLag %d ms)", lagSeconds, maxLag.toMillis());
        replica.markUp(); // it answered: whatever made a transaction find it down is over
        if (unfit != null) {
            if (replica.exclude(unfit)) {
                LOG.log(Level.WARNING, () -> database + ": " + replica.name() + " is taken out of read routing: " + unfit);
            }
        } else if (replica.readmit()) {
            LOG.log(Level.INFO, () -> database + ": " + replica.name() + " is back in read routing (lag "
                    + String.format(java.util.Locale.ROOT, "%.1f", lagSeconds) + " s)");
        }
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
    }
}
