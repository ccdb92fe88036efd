package dev.berth.jdbc.tx;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.scope.Scope;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Sessions and transactions on PostgreSQL, as one call each. {@link #transaction(TransactionWork)} leases a
 * connection, begins, runs the work, commits when it returns and rolls back when it throws, re-runs it in a
 * fresh transaction when PostgreSQL reports a serialization failure or deadlock, and gives the connection back.
 *
 * {@snippet :
 * Database db = Database.of(dataSource);   // a BerthDataSource, or any DataSource
 *
 * TransactionOptions serializable = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE);
 * boolean moved = db.transaction(serializable, tx -> {
 *     long balance = balanceOf(tx.connection(), from);
 *     if (balance < amount) {
 *         return false;                     // commits (nothing written)
 *     }
 *     setBalance(tx.connection(), from, balance - amount);
 *     setBalance(tx.connection(), to, balanceOf(tx.connection(), to) + amount);
 *     return true;                          // commits; a 40001 anywhere re-runs the whole lambda
 * });
 * }
 *
 * <p><b>Commit and rollback.</b> The work's normal return commits; any exception or {@link Error} rolls back and
 * is rethrown as it was. A commit that fails is the call's error, never a success: the server's refusal
 * (40001 at commit, a deferred constraint) is thrown as is; a work that caught a failed statement and went on
 * gets SQLSTATE 25P02; an interrupted thread is not committed (57014); a connection lost during COMMIT gives
 * {@link AmbiguousCommitException}, never retried.
 *
 * <p><b>Retry.</b> By the transaction's {@link RetryPolicy} (default {@link RetryPolicy#defaults()}): the whole
 * work runs again in a new transaction, possibly on another connection, after a jittered pause; the final
 * error carries the earlier attempts' errors as {@linkplain Throwable#getSuppressed() suppressed}. The work
 * must therefore be safe to run more than once (keep side effects outside the database for after the call).
 *
 * <p><b>Nesting.</b> A {@code transaction} call inside the work of another, on the same thread, becomes a
 * savepoint of the enclosing transaction (see {@link Transaction}). Inside {@link #session(SessionWork)},
 * transactions run on the session's connection.
 *
 * <p><b>Replicas.</b> Read-only transactions ({@link TransactionOptions#readOnly(boolean)}, not
 * {@code SERIALIZABLE}, which a hot standby refuses) run on a replica when the database has any, in turn, and
 * on the primary when none can serve. Each target has its own pool; {@link #stats()} shows them all. A
 * replica may lag behind the primary: work that must see the caller's own latest writes should not be
 * read-only.
 *
 * <p><b>Long transactions.</b> A transaction open longer than {@link DatabaseBuilder#longTransactionThreshold}
 * (60 s by default) is logged with the call site that began it and counted; with
 * {@link DatabaseBuilder#longTransactionAbortAfter} it is also rolled back by closing its connection.
 *
 * <p><b>Lifecycle.</b> Create one {@code Database} per application (it is cheap to use and holds a small
 * watcher for long transactions) and {@link #close()} it at shutdown; after that its methods fail with
 * {@link IllegalStateException}.
 *
 * <p><b>Threads.</b> All methods are thread-safe. The blocking methods run the work on the calling thread,
 * which parks while it waits for a connection or the server: cheap on virtual threads. The {@code Async}
 * twins run it on a new virtual thread and return at once.
 */
public final class Database implements AutoCloseable {

    private final String name;
    private final ReplicaRouter router;
    private final OpenTransactions watch;
    private final TransactionRunner runner;
    private final ThreadFactory asyncThreads;
    /** Asks the replicas whether they still are and how far they lag; {@code null} without replicas or checks. */
    private final ReplicaHealth replicaHealth;
    private volatile boolean closed;

    Database(String name, Target primary, List<Target> replicas, RetryPolicy defaultRetry, Duration replicaRecheckAfter,
             Duration replicaCheckInterval, Duration maxReplicaLag, Duration longThreshold, Duration longAbortAfter,
             Consumer<LongTransaction> onLongTransaction) {
        this.name = name;
        this.router = new ReplicaRouter(primary, replicas, replicaRecheckAfter);
        this.replicaHealth = replicas.isEmpty() || replicaCheckInterval.isZero() ? null
                : new ReplicaHealth(name, replicas, replicaCheckInterval, maxReplicaLag, replicaRecheckAfter);
        this.watch = new OpenTransactions(name, longThreshold, longAbortAfter, onLongTransaction);
        this.runner = new TransactionRunner(router, watch, defaultRetry);
        this.asyncThreads = Thread.ofVirtual().name("berth-" + name + "-async-", 0).factory();
    }

    /**
     * A database on a data source that stays the caller's to close.
     *
     * {@snippet :
     * BerthDataSource dataSource = BerthDataSource.fromUrl(System.getenv("DATABASE_URL"));
     * Database db = Database.of(dataSource);
     * }
     *
     * @param primary a {@link BerthDataSource} (whose pool statistics {@link #stats()} then shows) or any
     *     pooled {@link DataSource}
     * @return the database, with default settings
     */
    public static Database of(DataSource primary) {
        return builder().primary(primary).build();
    }

    /**
     * A database on a new {@link BerthDataSource} for {@code url}, closed with the database.
     *
     * {@snippet :
     * try (Database db = Database.fromUrl("postgres://app:secret@localhost:5432/app")) {
     *     // ...
     * }
     * }
     *
     * @param url a {@code postgres://user:password@host:5432/db} or {@code jdbc:postgresql:} URL
     * @return the database, with default settings
     * @throws IllegalArgumentException when it is not a PostgreSQL URL
     */
    public static Database fromUrl(String url) {
        return builder().primaryUrl(url).build();
    }

    /** @return a builder, for replicas, retry and long-transaction settings */
    public static DatabaseBuilder builder() {
        return new DatabaseBuilder();
    }

    // ---- blocking -------------------------------------------------------------------------------------------

    /**
     * Runs {@code work} in a transaction with default options (the server's isolation level, read-write,
     * the database's retry policy) and returns its result once committed.
     *
     * {@snippet :
     * long id = db.transaction(tx -> insertCustomer(tx.connection(), "Ada"));
     * }
     *
     * @param work the unit of work; may run more than once when retried
     * @param <R> the result type
     * @param <X> the work's checked exception
     * @return what the work returned
     * @throws AmbiguousCommitException when the connection was lost during COMMIT
     * @throws SQLException when a connection could not be had, the work or the commit failed (after retries)
     * @throws X when the work threw it
     */
    public <R, X extends Exception> R transaction(TransactionWork<R, X> work) throws SQLException, X {
        return transaction(TransactionOptions.defaults(), work);
    }

    /**
     * Runs {@code work} in a transaction with {@code options} and returns its result once committed; see the
     * class comment for commit, retry, nesting and routing rules.
     *
     * {@snippet :
     * TransactionOptions report = TransactionOptions.defaults()
     *         .isolation(Isolation.REPEATABLE_READ).readOnly(true).statementTimeout(Duration.ofSeconds(5));
     * Totals totals = db.transaction(report, tx -> computeTotals(tx.connection()));   // on a replica if any
     * }
     *
     * @param options isolation, read-only, deferrable, statement timeout, retry
     * @param work the unit of work; may run more than once when retried
     * @param <R> the result type
     * @param <X> the work's checked exception
     * @return what the work returned
     * @throws AmbiguousCommitException when the connection was lost during COMMIT
     * @throws SQLException when a connection could not be had, the work or the commit failed (after retries)
     * @throws X when the work threw it
     */
    public <R, X extends Exception> R transaction(TransactionOptions options, TransactionWork<R, X> work) throws SQLException, X {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(work, "work");
        requireOpen();
        return runner.run(options, work, CallSite.capture());
    }

    /**
     * Runs {@code work} on a leased primary connection in autocommit mode, and gives the connection back.
     * Transactions begun with this database inside the work run on the same connection.
     *
     * {@snippet :
     * int purged = db.session(connection -> {
     *     try (var statement = connection.createStatement()) {
     *         return statement.executeUpdate("delete from sessions where expires_at < now()");
     *     }
     * });
     * }
     *
     * @param work what to do with the connection
     * @param <R> the result type
     * @param <X> the work's checked exception
     * @return what the work returned
     * @throws SQLException when no connection could be had, or from the work
     * @throws X when the work threw it
     */
    public <R, X extends Exception> R session(SessionWork<R, X> work) throws SQLException, X {
        Objects.requireNonNull(work, "work");
        requireOpen();
        return runner.session(work);
    }

    /**
     * Begins a transaction for try-with-resources: it commits only on {@link Transaction#commit()} and rolls
     * back on {@link Transaction#close()} otherwise. No retry (a block cannot be re-run; use
     * {@link #transaction(TransactionOptions, TransactionWork)} for that). Called inside the work of an open
     * transaction on the same thread, it returns a nested transaction (a savepoint). The returned transaction
     * is not bound to the thread: a {@code db.transaction(work)} call inside the block runs its own transaction
     * on another connection; nest with {@link Transaction#transaction(TransactionWork)} instead.
     *
     * {@snippet :
     * try (Transaction tx = db.begin(TransactionOptions.defaults())) {
     *     archive(tx.connection(), orderId);
     *     tx.commit();
     * }
     * }
     *
     * @param options isolation, read-only, deferrable, statement timeout (the retry policy is ignored)
     * @return the open transaction; close it
     * @throws SQLException when no connection could be had or the transaction could not begin
     */
    public Transaction begin(TransactionOptions options) throws SQLException {
        Objects.requireNonNull(options, "options");
        requireOpen();
        return runner.begin(options, CallSite.capture());
    }

    /**
     * Like {@link #begin(TransactionOptions)} with default options.
     *
     * @return the open transaction; close it
     * @throws SQLException when no connection could be had or the transaction could not begin
     */
    public Transaction begin() throws SQLException {
        requireOpen();
        return runner.begin(TransactionOptions.defaults(), CallSite.capture());
    }

    /**
     * A transaction as a berth {@link Scope}: entering begins (as {@link #begin(TransactionOptions)}), exiting
     * commits when the body completed and rolls back when it failed. Like most scopes it serves one caller at
     * a time (it remembers its transaction from {@code enter} to {@code exit}) and may be entered again after
     * that; take one per use. No retry.
     *
     * {@snippet :
     * long id = Scopes.using(db.scope(TransactionOptions.defaults()), tx -> insertOrder(tx.connection(), order));
     * }
     *
     * @param options isolation, read-only, deferrable, statement timeout
     * @return the scope
     */
    public Scope<Transaction> scope(TransactionOptions options) {
        Objects.requireNonNull(options, "options");
        return new TransactionScope(this, options);
    }

    // ---- asynchronous ---------------------------------------------------------------------------------------

    /**
     * Runs {@link #transaction(TransactionWork)} on a new virtual thread.
     *
     * @param work the unit of work
     * @param <R> the result type
     * @return a stage completed with the result, or exceptionally with the same error the blocking call throws
     */
    public <R> CompletionStage<R> transactionAsync(TransactionWork<R, ?> work) {
        return transactionAsync(TransactionOptions.defaults(), work);
    }

    /**
     * Runs {@link #transaction(TransactionOptions, TransactionWork)} on a new virtual thread, for callers that
     * must not block. Cancelling the returned future asks the server to cancel the statement under way (a
     * PostgreSQL cancel request) and interrupts the thread: the transaction rolls back, and a connection that
     * was interrupted mid-read is closed rather than reused (a COMMIT already sent may still complete).
     * The work does not see a transaction or session open on the caller's thread: it runs its own.
     *
     * {@snippet :
     * db.transactionAsync(serializable, tx -> transfer(tx.connection(), from, to, amount))
     *         .thenAccept(moved -> respond(moved ? 200 : 409));
     * }
     *
     * @param options isolation, read-only, deferrable, statement timeout, retry
     * @param work the unit of work
     * @param <R> the result type
     * @return a stage completed with the result, or exceptionally with the same error the blocking call throws
     */
    public <R> CompletionStage<R> transactionAsync(TransactionOptions options, TransactionWork<R, ?> work) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(work, "work");
        requireOpen();
        String callSite = CallSite.capture();
        return async(() -> runner.run(options, work, callSite));
    }

    /**
     * Runs {@link #session(SessionWork)} on a new virtual thread.
     *
     * @param work what to do with the connection
     * @param <R> the result type
     * @return a stage completed with the result, or exceptionally with the error
     */
    public <R> CompletionStage<R> sessionAsync(SessionWork<R, ?> work) {
        Objects.requireNonNull(work, "work");
        requireOpen();
        return async(() -> runner.session(work));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("Database " + name + " is closed; create a new one (typically one per application, "
                    + "closed at shutdown)");
        }
    }

    private interface Call<R> {
        R call() throws Exception;
    }

    /** How often a cancelled asynchronous transaction's statements are cancelled again until its body ends. */
    private static final Duration CANCEL_REPEAT = Duration.ofMillis(100);

    private <R> CompletionStage<R> async(Call<R> call) {
        CompletableFuture<R> future = new CompletableFuture<>();
        Thread thread = asyncThreads.newThread(() -> {
            try {
                future.complete(call.call());
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        future.whenComplete((result, failure) -> {
            if (future.isCancelled()) {
                watch.cancelStatementsOf(thread);
                // A cancel request stops only the statement running when it reaches the server; the body may start
                // its next one a moment later. So keep asking until the body has ended (it rolls back then). The
                // body is interrupted only if a round of cancelling did not end it (it waits on something else):
                // interrupting a virtual thread blocked in a socket read closes the connection, and the server
                // would then run the statement to its end, holding its locks, with nobody left to cancel it.
                Thread.ofVirtual().name("berth-cancel-" + thread.getName()).start(() -> {
                    try {
                        boolean interrupted = false;
                        while (!thread.join(CANCEL_REPEAT)) {
                            watch.cancelStatementsOf(thread);
                            if (!interrupted && !thread.join(CANCEL_REPEAT)) {
                                watch.cancelStatementsOf(thread);
                                thread.interrupt();
                                interrupted = true;
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        });
        thread.start();
        return future;
    }

    // ---- observing and closing ------------------------------------------------------------------------------

    /** @return a snapshot of the targets (with their pools) and of the transaction counters */
    public DatabaseStats stats() {
        return new DatabaseStats(router.primary().stats(), router.replicas().stream().map(Target::stats).toList(),
                runner.committed.sum(), runner.rolledBack.sum(), runner.retries.sum(), runner.ambiguousCommits.sum(),
                router.fallbacks(), watch.reportedCount(), watch.abortedCount(), watch.openCount());
    }

    /** @return the name given to the builder, or "db-N" */
    public String name() {
        return name;
    }

    /** @return the retry policy of transactions whose options name none */
    public RetryPolicy defaultRetry() {
        return runner.defaultRetry();
    }

    /**
     * Stops the long-transaction watch and closes the data sources this database opened from URLs (those
     * passed in stay open: they are the caller's). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (replicaHealth != null) {
            replicaHealth.close();
        }
        watch.close();
        router.primary().close();
        router.replicas().forEach(Target::close);
    }

    @Override
    public String toString() {
        return "Database{" + name + ", primary, " + router.replicas().size() + " replica(s)" + (closed ? ", closed" : "") + '}';
    }
}
