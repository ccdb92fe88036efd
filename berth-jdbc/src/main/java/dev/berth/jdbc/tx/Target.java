package dev.berth.jdbc.tx;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.pool.PoolStats;
import java.sql.SQLException;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * One place transactions can run: the primary or one replica, each with its own data source (its own pool),
 * whether the {@link Database} owns it (and closes it), and for replicas whether it is believed healthy.
 *
 * <p>Thread-safe: health is a single volatile deadline, counters are adders.
 */
final class Target {

    private final String name;
    private final DataSource dataSource;
    private final boolean owned;
    private final LongAdder served = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile long downUntilNanos;
    private volatile boolean down;
    private volatile String lastFailure;
    /** Why the replica health check keeps it out of routing (promoted, lagging), or {@code null}. */
    private volatile String excluded;
    private volatile Isolation sessionIsolation;
    private volatile boolean sessionIsolationKnown;

    Target(String name, DataSource dataSource, boolean owned) {
        this.name = name;
        this.dataSource = dataSource;
        this.owned = owned;
    }

    String name() {
        return name;
    }

    DataSource dataSource() {
        return dataSource;
    }

    /**
     * The isolation level every connection of this target starts its transactions with, when berth can know it:
     * a running {@link BerthDataSource} with a configured {@code transactionIsolation} (it sets it on every new
     * connection and restores it on every return). {@code null} when unknown, e.g. for other data sources.
     */
    Isolation sessionIsolation() {
        if (sessionIsolationKnown) {
            return sessionIsolation;
        }
        if (dataSource instanceof BerthDataSource berth && berth.isRunning()) {
            String configured = berth.getTransactionIsolation();   // frozen once the pool runs
            sessionIsolation = configured == null ? null : Isolation.valueOf(configured.substring("TRANSACTION_".length()));
            sessionIsolationKnown = true;
            return sessionIsolation;
        }
        return null;
    }

    /** @return whether this target may be tried now: healthy, or down long enough to deserve another try */
    boolean available(long nowNanos) {
        return excluded == null && (!down || nowNanos - downUntilNanos >= 0);
    }

    boolean healthy() {
        return !down && excluded == null;
    }

    /**
     * Keeps the target out of routing until {@link #readmit()}, whatever its connections do.
     *
     * @return whether it was admitted until now
     */
    boolean exclude(String reason) {
        boolean was = excluded == null;
        if (was) {
            failures.increment();
        }
        excluded = reason;
        return was;
    }

    /** @return whether it was excluded until now */
    boolean readmit() {
        boolean was = excluded != null;
        excluded = null;
        return was;
    }

    void markDown(SQLException failure, long nowNanos, long recheckAfterNanos) {
        failures.increment();
        lastFailure = failure.getMessage();
        downUntilNanos = nowNanos + recheckAfterNanos;
        down = true;
    }

    /** The health check reached it: routing may try it again at once. */
    void markUp() {
        if (down) {
            down = false;
        }
    }

    void markServed() {
        served.increment();
        if (down) {
            down = false;
        }
    }

    TargetStats stats() {
        PoolStats pool = dataSource instanceof BerthDataSource berth ? berth.stats() : null;
        String out = excluded;
        return new TargetStats(name, healthy(), served.sum(), failures.sum(), out != null ? out : down ? lastFailure : null, pool);
    }

    void close() {
        if (owned && dataSource instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                System.getLogger(Database.class.getName()).log(System.Logger.Level.WARNING,
                        () -> "closing the data source of " + name + " failed: " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return name + (excluded != null ? " (excluded: " + excluded + ")" : down ? " (down)" : "");
    }
}
