package dev.berth.web;

import dev.berth.jdbc.tx.Database;
import dev.berth.jdbc.tx.Transaction;
import dev.berth.jdbc.tx.TransactionOptions;
import dev.berth.web.RequestTiming.Outcome;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The database session of the HTTP request being handled: one transaction per request, begun on first use,
 * committed by the middleware before the response is sent. Handlers reach it from anywhere below the request
 * without passing it around, through a {@link ScopedValue} the middleware binds around them.
 *
 * {@snippet :
 * // inside a servlet, a Spring controller or a Helidon handler behind SessionFilter / HelidonSessionFilter
 * try (var insert = RequestSession.connection().prepareStatement("insert into orders(item) values (?)")) {
 *     insert.setString(1, item);
 *     insert.executeUpdate();
 * }
 * response.setStatus(201);   // the middleware commits before the 201 leaves; a failed commit becomes a 500
 * }
 *
 * <p><b>Lifecycle.</b> A request that never calls {@link #connection()} or {@link #transaction()} takes no
 * connection. The first call leases one and begins the transaction ({@link Database#begin(TransactionOptions)},
 * read-only for routes the {@link SessionMiddleware} marks so, which may then run on a replica). The transaction
 * ends when the response starts: the handler returned, or it began streaming the body (see the adapters). It
 * commits when the status is below 500 and rolls back on 5xx, on an exception, or after
 * {@link #setRollbackOnly()}. The connection goes back to the pool right then, so a long streamed body does not
 * hold it; calling {@link #connection()} after that fails with an {@link IllegalStateException}.
 *
 * <p><b>Not joined.</b> {@code db.transaction(work)} called by the handler runs its own transaction on another
 * connection; use {@code RequestSession.transaction().transaction(work)} for a savepoint in the request's one.
 *
 * <p><b>Threads.</b> The session is bound to the thread that runs the handler (and to the subtasks of a
 * {@code StructuredTaskScope} opened there); a thread the handler starts by other means does not see it. Like
 * a JDBC {@link Connection}, it serves one thread at a time; its begin and end are guarded by a lock so that a
 * late call from a forked subtask cannot race the middleware's commit.
 */
public final class RequestSession {

    private enum State { IDLE, ACTIVE, ENDED }

    static final ScopedValue<RequestSession> CURRENT = ScopedValue.newInstance();

    private final Database database;
    private final TransactionOptions options;
    final String method;
    final String path;
    /** The request's deadline from its start (the middleware's setting or header), or null. */
    private final java.time.Duration budget;
    final long startedAt = System.nanoTime();
    private final ReentrantLock lock = new ReentrantLock();
    private State state = State.IDLE;
    private Transaction transaction;
    private boolean rollbackOnly;
    private Outcome outcome = Outcome.NO_CONNECTION;
    private SQLException commitFailure;
    private String endedBecause;
    private long waitNanos;
    private long leasedAt;
    private long releasedAt;
    /** Connection time of units of work outside the session ({@link #addConnectionTime}). */
    private long ownWaitNanos;
    private long ownHoldNanos;

    RequestSession(Database database, TransactionOptions options, String method, String path, java.time.Duration budget) {
        this.database = database;
        this.options = options;
        this.method = method;
        this.path = path;
        this.budget = budget;
    }

    // ---- for handlers ------------------------------------------------------------------------------------

    /**
     * The connection of the current request's transaction, leased and begun on the first call. Do not commit,
     * roll back or close it: the middleware does.
     *
     * @return the connection, in an open transaction
     * @throws IllegalStateException outside a request handled by berth's middleware, or after the response started
     * @throws SQLException when no connection could be had (a pool timeout names the pool and its holders) or the
     *     transaction could not begin
     */
    public static Connection connection() throws SQLException {
        return transaction().connection();
    }

    /**
     * The current request's transaction, begun on the first call: for its options, its target
     * ({@code "primary"} or a replica) and nested transactions (savepoints). Do not commit, roll back or close it.
     *
     * @return the open transaction
     * @throws IllegalStateException outside a request handled by berth's middleware, or after the response started
     * @throws SQLException when no connection could be had or the transaction could not begin
     */
    public static Transaction transaction() throws SQLException {
        return current().begin();
    }

    /**
     * Makes the request's transaction roll back whatever status the response gets, for a handler that answers
     * 4xx after writing something it wants undone (or an error mapper that turns an exception into a 4xx).
     *
     * @throws IllegalStateException outside a request handled by berth's middleware
     */
    public static void setRollbackOnly() {
        current().markRollbackOnly();
    }

    /**
     * Counts connection time the request spent outside its own session in the slow-request log: for a unit of
     * work the handler runs in a transaction of its own, such as a SERIALIZABLE transfer that must be re-run as a
     * whole on a serialization failure (the request's session commits when the response starts, too late to re-run
     * anything). Outside a request it does nothing, so shared code may call it freely.
     *
     * {@snippet :
     * long asked = System.nanoTime();
     * long[] leased = new long[1];
     * db.transaction(options, tx -> { leased[0] = System.nanoTime(); return move(tx, from, to, amount); });
     * long now = System.nanoTime();
     * RequestSession.addConnectionTime(Duration.ofNanos(leased[0] - asked), Duration.ofNanos(now - leased[0]));
     * }
     *
     * @param wait time spent waiting for connections
     * @param hold time connections were held
     * @throws IllegalArgumentException when a duration is negative
     */
    public static void addConnectionTime(Duration wait, Duration hold) {
        if (wait.isNegative() || hold.isNegative()) {
            throw new IllegalArgumentException("connection time must not be negative: wait " + wait + ", hold " + hold);
        }
        if (CURRENT.isBound()) {
            CURRENT.get().addOwnTime(wait.toNanos(), hold.toNanos());
        }
    }

    /** @return whether the calling code runs inside a request handled by berth's middleware */
    public static boolean inRequest() {
        return CURRENT.isBound();
    }

    private static RequestSession current() {
        if (!CURRENT.isBound()) {
            throw new IllegalStateException("RequestSession was used outside an HTTP request handled by berth's middleware "
                    + "(" + Thread.currentThread() + "). Install SessionFilter (Servlet) or "
                    + "HelidonSessionFilter (Helidon SE) in front of this handler; for work outside requests use "
                    + "Database.transaction(work); a thread the handler starts itself does not see the request's session "
                    + "(fork it with a StructuredTaskScope instead)");
        }
        return CURRENT.get();
    }

    // ---- for the middleware ------------------------------------------------------------------------------

    /** Runs {@code body} with this session bound as the current one, under the request's deadline if it has one. */
    <R, X extends Throwable> R run(ScopedValue.CallableOp<R, X> body) throws X {
        if (budget == null) {
            return ScopedValue.where(CURRENT, this).call(body);
        }
        return dev.berth.pool.RequestDeadline.within(budget, () -> ScopedValue.where(CURRENT, this).call(body));
    }

    private Transaction begin() throws SQLException {
        lock.lock();
        try {
            if (state == State.ACTIVE) {
                return transaction;
            }
            if (state == State.ENDED) {
                throw new IllegalStateException("the transaction of request " + method + " " + path + " already ended ("
                        + outcome + ") because " + endedBecause + "; do the database work before the response starts "
                        + "(before writing or flushing the body)");
            }
            long asked = System.nanoTime();
            try {
                transaction = database.begin(options);
            } finally {
                leasedAt = System.nanoTime();
                waitNanos = leasedAt - asked;
                releasedAt = leasedAt;
            }
            state = State.ACTIVE;
            return transaction;
        } finally {
            lock.unlock();
        }
    }

    private void markRollbackOnly() {
        lock.lock();
        try {
            rollbackOnly = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the transaction for a response with {@code status}: commits below 500 (unless rollback-only), rolls
     * back otherwise, and gives the connection back. Idempotent: later calls return the first outcome.
     *
     * @param status the HTTP status about to be sent
     * @param because why it ends now, for the error a later {@link #connection()} call gets
     * @return the outcome; {@link Outcome#COMMIT_FAILED} means the response must become a 5xx
     */
    Outcome end(int status, String because) {
        lock.lock();
        try {
            if (state == State.ENDED) {
                return outcome;
            }
            endedBecause = because;
            if (state == State.IDLE) {
                state = State.ENDED;
                return outcome;
            }
            state = State.ENDED;
            Transaction tx = transaction;
            try {
                if (status >= 500 || rollbackOnly) {
                    outcome = Outcome.ROLLED_BACK;
                    tx.rollback();
                } else {
                    tx.commit();
                    outcome = Outcome.COMMITTED;
                }
            } catch (SQLException | RuntimeException e) {
                if (outcome != Outcome.ROLLED_BACK) {
                    outcome = Outcome.COMMIT_FAILED;
                    commitFailure = e instanceof SQLException sql ? sql
                            : new SQLException("commit of request " + method + " " + path + " failed: " + e, e);
                }
                // a failed rollback is harmless to the client: closing below destroys the connection
            } finally {
                closeQuietly(tx);
            }
            return outcome;
        } finally {
            lock.unlock();
        }
    }

    /** Rolls back after the handler failed with {@code failure} (a rollback failure is attached to it). */
    void abort(Throwable failure) {
        lock.lock();
        try {
            if (state == State.ENDED) {
                return;
            }
            endedBecause = "the handler failed";
            if (state == State.IDLE) {
                state = State.ENDED;
                return;
            }
            state = State.ENDED;
            outcome = Outcome.ROLLED_BACK;
            try {
                transaction.rollback();
            } catch (SQLException | RuntimeException e) {
                failure.addSuppressed(e);
            } finally {
                closeQuietly(transaction);
            }
        } finally {
            lock.unlock();
        }
    }

    private void closeQuietly(Transaction tx) {
        try {
            tx.close();
        } catch (SQLException | RuntimeException e) {
            // already ended above; close only makes sure the connection is back
        }
        releasedAt = System.nanoTime();
    }

    /** @return the error of a failed commit, or {@code null} */
    SQLException commitFailure() {
        return commitFailure;
    }

    Outcome outcome() {
        return outcome;
    }

    private void addOwnTime(long wait, long hold) {
        lock.lock();
        try {
            ownWaitNanos += wait;
            ownHoldNanos += hold;
        } finally {
            lock.unlock();
        }
    }

    /** The request's timing, taken when the response is done; {@code status} is what the client got. */
    RequestTiming timing(int status) {
        lock.lock();
        try {
            long now = System.nanoTime();
            long hold = state == State.ACTIVE ? now - leasedAt : releasedAt - leasedAt;
            return new RequestTiming(method, path, status, Duration.ofNanos(now - startedAt),
                    Duration.ofNanos(waitNanos + ownWaitNanos), Duration.ofNanos(hold + ownHoldNanos), outcome);
        } finally {
            lock.unlock();
        }
    }
}
