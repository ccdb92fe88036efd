package dev.berth.jdbc.tx;

import dev.berth.jdbc.ConnectionLoss;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Picks the connection target for a unit of work. Writes and anything not replica-eligible go to the primary.
 * Read-only work goes to the replicas in turn (round robin over those believed healthy); a replica that cannot
 * give a connection, or whose connection fails while the transaction begins, is marked down for
 * {@code recheckAfter} and the next one is tried; when none can serve, the primary does. Falling back happens
 * only before the work runs, so no work ever runs twice because of routing.
 *
 * <p>Thread-safe; keeps no lock.
 */
final class ReplicaRouter {

    /** Opens the unit of work on a fresh connection of a target (e.g. sends SET TRANSACTION); may fail with a connection loss. */
    @FunctionalInterface
    interface Begin {
        void on(Connection connection, Target target) throws SQLException;
    }

    /** A connection with the target it came from. */
    record Opened(Target target, Connection connection) {
    }

    private final Target primary;
    private final List<Target> replicas;
    private final long recheckAfterNanos;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder fallbacks = new LongAdder();

    ReplicaRouter(Target primary, List<Target> replicas, Duration recheckAfter) {
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
        this.recheckAfterNanos = recheckAfter.toNanos();
    }

    Opened open(boolean replicaEligible, Begin begin) throws SQLException {
        if (replicaEligible && !replicas.isEmpty()) {
            int n = replicas.size();
            int start = Math.floorMod(next.getAndIncrement(), n);
            for (int i = 0; i < n; i++) {
                Target replica = replicas.get((start + i) % n);
                long now = System.nanoTime();
                if (!replica.available(now)) {
                    continue;
                }
                Opened opened = tryOpen(replica, begin, now);
                if (opened != null) {
                    return opened;
                }
            }
            fallbacks.increment();
        }
        Connection connection = primary.dataSource().getConnection();
        try {
            begin.on(connection, primary);
        } catch (SQLException | RuntimeException | Error e) {
            closeQuietly(connection, e);
            throw e;
        }
        primary.markServed();
        return new Opened(primary, connection);
    }

    private Opened tryOpen(Target replica, Begin begin, long now) throws SQLException {
        Connection connection = null;
        try {
            connection = replica.dataSource().getConnection();
            begin.on(connection, replica);
            replica.markServed();
            return new Opened(replica, connection);
        } catch (SQLException e) {
            if (connection != null) {
                closeQuietly(connection, e);
            }
            if (cannotServe(e)) {
                replica.markDown(e, now, recheckAfterNanos);
                System.getLogger(Database.class.getName()).log(System.Logger.Level.WARNING, () -> replica.name()
                        + " cannot serve read-only work and is skipped for " + recheckAfterNanos / 1_000_000 + " ms: " + e.getMessage());
                return null;
            }
            throw e;
        }
    }

    /** A replica that lost its connection, cannot open one, or is starting or shutting down. */
    private static boolean cannotServe(SQLException e) {
        return e instanceof SQLTransientConnectionException || ConnectionLoss.isLoss(e);
    }

    private static void closeQuietly(Connection connection, Throwable primaryFailure) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            primaryFailure.addSuppressed(e);
        }
    }

    Target primary() {
        return primary;
    }

    List<Target> replicas() {
        return replicas;
    }

    long fallbacks() {
        return fallbacks.sum();
    }
}
