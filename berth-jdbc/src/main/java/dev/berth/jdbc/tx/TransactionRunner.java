package dev.berth.jdbc.tx;

import dev.berth.internal.Rethrow;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine behind {@link Database}: runs a unit of work in a transaction, with retry, nesting and sessions.
 *
 * <p>Which transaction or session is open is carried in {@link ScopedValue}s bound for the duration of the
 * work (one pair per database), so a nested {@code db.transaction} call on the same thread finds the enclosing
 * transaction without any thread-local state; work started on other threads does not see it.
 *
 * <p>Thread-safe: all state is in scoped values, adders and the (thread-safe) router and watcher.
 */
final class TransactionRunner {

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    private final ReplicaRouter router;
    private final OpenTransactions watch;
    private final RetryPolicy defaultRetry;
    private final ScopedValue<Transaction> current = ScopedValue.newInstance();
    private final ScopedValue<Connection> session = ScopedValue.newInstance();
    final LongAdder committed = new LongAdder();
    final LongAdder rolledBack = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder ambiguousCommits = new LongAdder();

    TransactionRunner(ReplicaRouter router, OpenTransactions watch, RetryPolicy defaultRetry) {
        this.router = router;
        this.watch = watch;
        this.defaultRetry = defaultRetry;
    }

    RetryPolicy defaultRetry() {
        return defaultRetry;
    }

    // ---- transactions with retry -------------------------------------------------------------------------

    <R, X extends Exception> R run(TransactionOptions options, TransactionWork<R, X> work, String callSite) throws SQLException, X {
        Transaction enclosing = current.isBound() ? current.get() : null;
        if (enclosing != null && enclosing.isActive()) {
            return nested(enclosing, options, work);
        }
        RetryPolicy policy = options.retry() != null ? options.retry() : defaultRetry;
        Connection sessionConnection = session.isBound() ? session.get() : null;
        List<Throwable> earlier = null;
        String[] target = {"primary"};
        for (int attempt = 1; ; attempt++) {
            Throwable failure;
            try {
                R result = attempt(options, work, callSite, attempt, sessionConnection, target);
                notify(policy, new RetryListener.Attempt(attempt, policy.maxAttempts(), null, false, Duration.ZERO, target[0]));
                return result;
            } catch (Throwable t) {
                failure = t;
            }
            boolean retry = attempt < policy.maxAttempts() && policy.isRetryable(failure);
            Duration pause = retry ? policy.backoff(attempt, ThreadLocalRandom.current()) : Duration.ZERO;
            notify(policy, new RetryListener.Attempt(attempt, policy.maxAttempts(), failure, retry, pause, target[0]));
            if (!retry) {
                if (failure instanceof AmbiguousCommitException) {
                    ambiguousCommits.increment();
                }
                throw Rethrow.<RuntimeException>asIs(withEarlier(failure, earlier));
            }
            retries.increment();
            if (earlier == null) {
                earlier = new ArrayList<>();
            }
            earlier.add(failure);
            try {
                Thread.sleep(pause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                earlier.removeLast();
                failure.addSuppressed(interrupted);
                throw Rethrow.<RuntimeException>asIs(withEarlier(failure, earlier));
            }
        }
    }

    private static Throwable withEarlier(Throwable last, List<Throwable> earlier) {
        if (earlier != null) {
            for (Throwable previous : earlier) {
                if (previous != last) {
                    last.addSuppressed(previous);
                }
            }
        }
        return last;
    }

    private static void notify(RetryPolicy policy, RetryListener.Attempt attempt) {
        try {
            policy.listener().attemptFinished(attempt);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "a RetryListener failed on " + attempt + ": " + e);
        }
    }

    /** One attempt: a connection, begin, the work, commit or roll back, give the connection back. */
    private <R, X extends Exception> R attempt(TransactionOptions options, TransactionWork<R, X> work, String callSite,
                                               int attempt, Connection sessionConnection, String[] target) throws Exception {
        Connection connection;
        if (sessionConnection != null) {
            connection = sessionConnection;
            begin(connection, options, router.primary().sessionIsolation());
            target[0] = router.primary().name();
        } else {
            ReplicaRouter.Opened opened = router.open(options.replicaEligible(), (c, t) -> begin(c, options, t.sessionIsolation()));
            connection = opened.connection();
            target[0] = opened.target().name();
        }
        OpenTransactions.Entry entry = watch.register(connection, callSite, target[0]);
        Transaction tx = new Transaction(this, connection, options, attempt, target[0], null, null, true, entry, null);
        Throwable failure = null;
        try {
            R result;
            try {
                result = ScopedValue.where(current, tx).call(() -> work.run(tx));
            } catch (Throwable t) {
                failure = entry.aborted() ? entry.abortedError(t) : t;
                tx.rollbackNow(failure);
                rolledBack.increment();
                throw Rethrow.<RuntimeException>asIs(failure);
            }
            try {
                tx.commitNow();
            } catch (SQLException e) {
                failure = e;
                rolledBack.increment();
                throw e;
            }
            (tx.committed() ? committed : rolledBack).increment();
            return result;
        } finally {
            entry.end();
            if (sessionConnection == null) {
                release(connection, failure);
            } else {
                restoreAutoCommit(connection, failure);
            }
        }
    }

    /**
     * Opens a transaction on {@code connection}: autocommit off, then the options' fixed SET statements, leaving
     * out the isolation level when the connection's session already has it (then a transaction with nothing
     * else to set costs no extra round trip: pgjdbc sends BEGIN with the work's first statement).
     */
    static void begin(Connection connection, TransactionOptions options, Isolation sessionIsolation) throws SQLException {
        if (connection.getAutoCommit()) {
            connection.setAutoCommit(false);
        }
        String sql = options.beginSql(sessionIsolation);
        if (sql != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }
    }

    // ---- nested ------------------------------------------------------------------------------------------

    <R, X extends Exception> R nested(Transaction outer, TransactionOptions options, TransactionWork<R, X> work) throws SQLException, X {
        Transaction child = outer.nestedChild(options, true);
        R result;
        try {
            result = ScopedValue.where(current, child).call(() -> work.run(child));
        } catch (Throwable failure) {
            child.rollbackNested(failure);
            throw Rethrow.<RuntimeException>asIs(failure);
        }
        child.endNested(null);
        return result;
    }

    // ---- try-with-resources transactions -----------------------------------------------------------------

    Transaction begin(TransactionOptions options, String callSite) throws SQLException {
        Transaction enclosing = current.isBound() ? current.get() : null;
        if (enclosing != null && enclosing.isActive()) {
            return enclosing.nestedChild(options, false);
        }
        Connection sessionConnection = session.isBound() ? session.get() : null;
        Connection connection;
        String target;
        if (sessionConnection != null) {
            connection = sessionConnection;
            begin(connection, options, router.primary().sessionIsolation());
            target = router.primary().name();
        } else {
            ReplicaRouter.Opened opened = router.open(options.replicaEligible(), (c, t) -> begin(c, options, t.sessionIsolation()));
            connection = opened.connection();
            target = opened.target().name();
        }
        OpenTransactions.Entry entry = watch.register(connection, callSite, target);
        return new Transaction(this, connection, options, 1, target, null, null, false, entry, ended -> {
            entry.end();
            (ended.committed() ? committed : rolledBack).increment();
            if (sessionConnection == null) {
                release(connection, null);
            } else {
                restoreAutoCommit(connection, null);
            }
        });
    }

    // ---- sessions ----------------------------------------------------------------------------------------

    <R, X extends Exception> R session(SessionWork<R, X> work) throws SQLException, X {
        Transaction enclosing = current.isBound() ? current.get() : null;
        if (enclosing != null && enclosing.isActive()) {
            return work.run(enclosing.connection());
        }
        if (session.isBound()) {
            return work.run(session.get());
        }
        Target primary = router.primary();
        try (Connection connection = primary.dataSource().getConnection()) {
            primary.markServed();
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true);
            }
            return ScopedValue.where(session, connection).call(() -> work.run(connection));
        } catch (Throwable t) {
            throw Rethrow.<RuntimeException>asIs(t);
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------------------

    private static void release(Connection connection, Throwable failure) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            } else {
                LOG.log(System.Logger.Level.WARNING, () -> "giving a connection back failed: " + e.getMessage());
            }
        }
    }

    private static void restoreAutoCommit(Connection connection, Throwable failure) {
        try {
            if (!connection.isClosed() && !connection.getAutoCommit()) {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }
}
