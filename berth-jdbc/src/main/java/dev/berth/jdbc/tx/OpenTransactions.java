package dev.berth.jdbc.tx;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.postgresql.PGConnection;

/**
 * Watches the transactions a {@link Database} has open: reports those open longer than a threshold (with the
 * call site that began them) and, when an abort limit is set, rolls them back by closing their connection.
 *
 * <p>Who ends a transaction is decided by one compare-and-set on the entry's state: the owner moves it from
 * OPEN to COMMITTING before it commits, the watcher from OPEN to ABORTED before it closes the connection, so a
 * transaction is never aborted while its COMMIT is on the wire (which would make the outcome unknown).
 *
 * <p>Every open transaction is registered (a set add and remove: nothing next to its round trips), so that
 * cancellation of asynchronous work can find it; the watcher only runs when a threshold or limit is set.
 *
 * <p>Thread-safe. The watcher is one virtual thread woken by a scheduler; it never holds a lock.
 */
final class OpenTransactions implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    static final int OPEN = 0;
    static final int COMMITTING = 1;
    static final int ENDED = 2;
    static final int ABORTED = 3;

    private final Duration threshold;
    private final Duration abortAfter;
    private final Consumer<LongTransaction> listener;
    private final Set<Entry> open = ConcurrentHashMap.newKeySet();
    private final LongAdder reported = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final ScheduledThreadPoolExecutor scheduler;
    private final ScheduledFuture<?> check;

    /**
     * @param threshold report after this long; {@link Duration#ZERO} disables reporting
     * @param abortAfter abort after this long; {@link Duration#ZERO} disables aborting
     */
    OpenTransactions(String name, Duration threshold, Duration abortAfter, Consumer<LongTransaction> listener) {
        this.threshold = threshold;
        this.abortAfter = abortAfter;
        this.listener = listener;
        long smallest = Math.min(positiveOrMax(threshold), positiveOrMax(abortAfter));
        if (smallest == Long.MAX_VALUE) {
            scheduler = null;
            check = null;
        } else {
            long period = Math.clamp(smallest / 4, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
            scheduler = new ScheduledThreadPoolExecutor(1, Thread.ofVirtual().name("berth-" + name + "-transaction-watch").factory());
            scheduler.setRemoveOnCancelPolicy(true);
            check = scheduler.scheduleWithFixedDelay(this::checkNow, period, period, TimeUnit.NANOSECONDS);
        }
    }

    private static long positiveOrMax(Duration d) {
        return d.isZero() ? Long.MAX_VALUE : d.toNanos();
    }

    /** Registers a transaction that just began; the caller must {@link Entry#end() end} it. */
    Entry register(Connection connection, String callSite, String target) {
        Entry entry = new Entry(connection, callSite, target, Thread.currentThread(), System.nanoTime());
        open.add(entry);
        return entry;
    }

    /** Looks at every open transaction once (the scheduler calls this; tests may too). */
    void checkNow() {
        long now = System.nanoTime();
        for (Entry entry : open) {
            long age = now - entry.startNanos;
            if (!threshold.isZero() && age >= threshold.toNanos() && entry.reported.compareAndSet(0, 1)) {
                reported.increment();
                report(entry.report(age, false));
            }
            if (!abortAfter.isZero() && age >= abortAfter.toNanos() && entry.state.compareAndSet(OPEN, ABORTED)) {
                aborted.increment();
                try {
                    entry.connection.abort(Runnable::run);
                } catch (SQLException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "could not close the connection of a transaction begun at "
                            + entry.callSite + ": " + e.getMessage());
                }
                report(entry.report(age, true));
                open.remove(entry);
            }
        }
    }

    private void report(LongTransaction report) {
        LOG.log(System.Logger.Level.WARNING, report::toString);
        try {
            listener.accept(report);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "the long-transaction listener failed: " + e);
        }
    }

    /** @return transactions reported as open too long so far */
    long reportedCount() {
        return reported.sum();
    }

    /** @return transactions berth rolled back at the abort limit so far */
    long abortedCount() {
        return aborted.sum();
    }

    /**
     * Asks the server to cancel the statement running in the transactions {@code owner} has open (pgjdbc sends a
     * cancel request on a separate connection), so that an abandoned asynchronous transaction stops holding
     * locks at once instead of when its statement would have finished.
     */
    void cancelStatementsOf(Thread owner) {
        for (Entry entry : open) {
            if (entry.owner == owner && entry.state.get() == OPEN) {
                try {
                    entry.connection.unwrap(PGConnection.class).cancelQuery();
                } catch (SQLException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "could not cancel the statement of a transaction begun at "
                            + entry.callSite + ": " + e.getMessage());
                }
            }
        }
    }

    /** @return transactions open now */
    int openCount() {
        return open.size();
    }

    Duration abortAfter() {
        return abortAfter;
    }

    @Override
    public void close() {
        if (scheduler != null) {
            check.cancel(false);
            scheduler.shutdownNow();
        }
    }

    /** One open transaction. */
    final class Entry {
        final Connection connection;
        final String callSite;
        final String target;
        final Thread owner;
        final long startNanos;
        final AtomicInteger state = new AtomicInteger(OPEN);
        final AtomicInteger reported = new AtomicInteger();

        Entry(Connection connection, String callSite, String target, Thread owner, long startNanos) {
            this.connection = connection;
            this.callSite = callSite;
            this.target = target;
            this.owner = owner;
            this.startNanos = startNanos;
        }

        /** @return true when the owner may commit; false when berth already aborted the transaction */
        boolean startCommit() {
            return state.compareAndSet(OPEN, COMMITTING) || state.get() == COMMITTING;
        }

        /** @return whether berth aborted this transaction at the limit */
        boolean aborted() {
            return state.get() == ABORTED;
        }

        /** Marks the transaction ended (committed or rolled back by its owner) and stops watching it. */
        void end() {
            state.compareAndSet(OPEN, ENDED);
            state.compareAndSet(COMMITTING, ENDED);
            open.remove(this);
        }

        /** The error the owner gets once berth aborted its transaction. */
        SQLException abortedError(Throwable cause) {
            return new SQLException("transaction begun at " + callSite + " on " + target + " was open longer than "
                    + "longTransactionAbortAfter (" + abortAfter.toMillis() + " ms): berth rolled it back and closed its "
                    + "connection, nothing of it was committed. Make the transaction shorter, or raise the limit",
                    "25P04", cause);
        }

        LongTransaction report(long ageNanos, boolean aborting) {
            return new LongTransaction(callSite, Duration.ofNanos(ageNanos), owner.getName(), target, aborting);
        }
    }
}
