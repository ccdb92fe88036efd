package dev.berth.jdbc;

import dev.berth.jdbc.FatalErrorRule.Context;
import dev.berth.jdbc.FatalErrorRule.Verdict;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a data source does about errors on its connections: asks its {@link FatalErrorRule} for a verdict and, for a
 * pool-wide one, makes the pool revalidate ({@link Verdict#SERVER}) or evict ({@link Verdict#FAILOVER}) once per
 * incident.
 *
 * <p>Once per incident: when a server dies, every connection in use fails within milliseconds, each with a fatal
 * error, and one pool-wide action covers them all (the pool marks every connection it has). A failure acts pool-wide
 * only when no action happened in the last {@link #INCIDENT_NANOS second}, or when the failing connection was opened
 * after the last action (the action could not cover it, so this is news), or when its verdict is stronger than the
 * last action's (a demoted primary still answers, so a revalidation would keep its connections: a FAILOVER after a
 * SERVER still evicts). The decision is one compare-and-set on an immutable record, so concurrent failures agree on
 * one winner and the others only destroy their own connection.
 *
 * <p>Thread-safe; never blocks (the pool's {@code evict()} and {@code revalidate()} do not).
 */
final class FatalErrors {

    private static final System.Logger LOG = System.getLogger(FatalErrors.class.getName());
    /** Failures within this time of a pool-wide action, on connections older than it, belong to its incident. */
    static final long INCIDENT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The last pool-wide action: when, and which. */
    private record Action(long atNanos, Verdict verdict) {
    }

    private final FatalErrorRule rule;
    private final boolean readOnlyPool;
    private final String poolName;
    private final Runnable evict;
    private final Runnable revalidate;
    private final AtomicReference<Action> last;
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong revalidations = new AtomicLong();
    private final AtomicBoolean ruleFailureLogged = new AtomicBoolean();

    /**
     * @param rule judges each failure
     * @param readOnlyPool whether the data source is configured read-only
     * @param poolName for the log lines
     * @param evict the pool's {@code evict()}
     * @param revalidate the pool's {@code revalidate()}
     */
    FatalErrors(FatalErrorRule rule, boolean readOnlyPool, String poolName, Runnable evict, Runnable revalidate) {
        this.rule = rule;
        this.readOnlyPool = readOnlyPool;
        this.poolName = poolName;
        this.evict = evict;
        this.revalidate = revalidate;
        // before anything the pool made, and old enough that the first fatal failure acts
        this.last = new AtomicReference<>(new Action(System.nanoTime() - INCIDENT_NANOS, Verdict.NOT_FATAL));
    }

    /** The standard rule for a connection outside any pool (tests of the connection wrapper): nothing pool-wide to do. */
    static FatalErrors withoutPool() {
        return new FatalErrors(FatalErrorRule.standard(), false, "(no pool)", () -> { }, () -> { });
    }

    /**
     * Judges a failure of {@code connection} and, when the verdict is pool-wide, stronger than what this connection
     * reported before and the first of its incident, acts.
     *
     * @param before the strongest verdict on this connection so far: a borrower that keeps using a dead connection
     *     does not make the pool act again
     * @return the verdict; anything but {@link Verdict#NOT_FATAL} means the caller destroys the connection
     */
    Verdict failed(SQLException failure, PhysicalConnection connection, Verdict before) {
        Verdict verdict = judge(failure, new Context(readOnlyPool, connection.readOnly(), connection.serverModeWhenOpened(),
                connection.serverMode()));
        if ((verdict == Verdict.SERVER || verdict == Verdict.FAILOVER) && verdict.compareTo(before) > 0) {
            act(verdict, failure, connection.createdNanos(), System.nanoTime());
        }
        return verdict;
    }

    /** The rule's verdict; the standard rule's when the configured one throws or answers {@code null}. */
    Verdict judge(SQLException failure, Context context) {
        try {
            Verdict verdict = rule.judge(failure, context);
            if (verdict != null) {
                return verdict;
            }
            ruleFailed(new NullPointerException("the rule answered null"));
        } catch (RuntimeException e) {
            ruleFailed(e);
        }
        return FatalErrorRule.standard().judge(failure, context);
    }

    private void ruleFailed(RuntimeException e) {
        Level level = ruleFailureLogged.compareAndSet(false, true) ? Level.WARNING : Level.DEBUG;
        LOG.log(level, () -> "pool '" + poolName + "': fatalErrorRule " + rule + " failed (" + e
                + "); the standard rule judged the error instead. Fix the rule: it must return a verdict and not throw");
    }

    /**
     * Makes the pool revalidate or evict, unless this failure belongs to an incident already acted on.
     *
     * @param connectionCreatedNanos when the failing connection was opened ({@link System#nanoTime()})
     * @param now the failure's time ({@link System#nanoTime()})
     * @return whether this failure acted
     */
    boolean act(Verdict verdict, SQLException failure, long connectionCreatedNanos, long now) {
        if (!firstOfItsIncident(verdict, connectionCreatedNanos, now)) {
            LOG.log(Level.DEBUG, () -> "pool '" + poolName + "': " + describe(failure)
                    + " on another connection of an incident already acted on");
            return false;
        }
        if (verdict == Verdict.FAILOVER) {
            evictions.incrementAndGet();
            LOG.log(Level.WARNING, () -> "pool '" + poolName + "': the server is no longer a writable primary ("
                    + describe(failure) + "); every connection is retired (borrowed ones when returned) and new ones"
                    + " open where the URL leads now. With several hosts, targetServerType=primary finds the new primary");
            evict.run();
        } else {
            revalidations.incrementAndGet();
            LOG.log(Level.WARNING, () -> "pool '" + poolName + "': a connection lost its server (" + describe(failure)
                    + "); every other connection is checked before it is lent again");
            revalidate.run();
        }
        return true;
    }

    private boolean firstOfItsIncident(Verdict verdict, long connectionCreatedNanos, long now) {
        while (true) {
            Action previous = last.get();
            boolean news = now - previous.atNanos() >= INCIDENT_NANOS
                    || connectionCreatedNanos - previous.atNanos() > 0
                    || verdict.compareTo(previous.verdict()) > 0;
            if (!news) {
                return false;
            }
            if (last.compareAndSet(previous, new Action(now, verdict))) {
                return true;
            }
        }
    }

    private static String describe(SQLException failure) {
        return "SQLSTATE " + failure.getSQLState() + ": " + failure.getMessage();
    }

    /** @return pool-wide evictions made so far (for tests and diagnostics) */
    long evictions() {
        return evictions.get();
    }

    /** @return pool-wide revalidations made so far (for tests and diagnostics) */
    long revalidations() {
        return revalidations.get();
    }

    /** @return the rule in use */
    FatalErrorRule rule() {
        return rule;
    }
}
