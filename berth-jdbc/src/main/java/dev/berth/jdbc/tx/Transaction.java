package dev.berth.jdbc.tx;

import dev.berth.jdbc.ConnectionLoss;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.function.Consumer;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * An open transaction on one leased connection, or a savepoint inside one (a nested transaction).
 *
 * <p>Inside {@link Database#transaction(TransactionWork)} berth commits and rolls back for you; the work uses
 * {@link #connection()} and may open nested transactions with {@link #transaction(TransactionWork)} (or by
 * calling {@code db.transaction} again, which finds this one). For code that cannot pass a lambda,
 * {@link Database#begin(TransactionOptions)} returns a transaction for try-with-resources, which commits only
 * when told and rolls back on {@link #close()} otherwise:
 *
 * {@snippet :
 * try (Transaction tx = db.begin(TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE))) {
 *     debit(tx.connection(), from, amount);
 *     credit(tx.connection(), to, amount);
 *     tx.commit();
 * }   // not committed (an exception, a forgotten commit): rolled back here
 * }
 *
 * <p>A nested transaction is a savepoint: on success it is released, on failure the work is undone back to
 * it and the failure goes on to the enclosing work, which may catch it and carry on. It shares the enclosing
 * transaction's isolation and read-only mode: asking for another isolation level, or for read-write inside a
 * read-only transaction, fails with {@link IllegalStateException}. Nested transactions are never retried on
 * their own: a serialization failure dooms the whole transaction, which the outermost call retries.
 *
 * <p>Not thread-safe, like the {@link Connection} it wraps: one thread uses a transaction at a time.
 */
public final class Transaction implements AutoCloseable {

    private enum State { ACTIVE, COMMITTED, ROLLED_BACK }

    private final TransactionRunner runner;
    private final Connection connection;
    private final TransactionOptions options;
    private final int attempt;
    private final String target;
    private final Transaction parent;
    private final Savepoint savepoint;
    private final boolean managed;
    final OpenTransactions.Entry entry;
    private final Consumer<Transaction> onEnd;
    private Isolation isolation;
    private boolean rollbackOnly;
    private State state = State.ACTIVE;

    Transaction(TransactionRunner runner, Connection connection, TransactionOptions options, int attempt, String target,
                Transaction parent, Savepoint savepoint, boolean managed, OpenTransactions.Entry entry, Consumer<Transaction> onEnd) {
        this.runner = runner;
        this.connection = connection;
        this.options = options;
        this.attempt = attempt;
        this.target = target;
        this.parent = parent;
        this.savepoint = savepoint;
        this.managed = managed;
        this.entry = entry;
        this.onEnd = onEnd;
        this.isolation = options.isolation();
    }

    /** @return the connection the transaction runs on; do not commit, roll back or close it yourself */
    public Connection connection() {
        return connection;
    }

    /** @return 1 on the first attempt, 2 on the first retry, ...; a nested transaction reports its outermost's */
    public int attempt() {
        return attempt;
    }

    /** @return the options this transaction was begun with */
    public TransactionOptions options() {
        return options;
    }

    /** @return where it runs: {@code "primary"}, {@code "replica-0"}, ... */
    public String target() {
        return target;
    }

    /** @return whether this is a savepoint inside another transaction */
    public boolean isNested() {
        return parent != null;
    }

    /** @return whether it has neither committed nor rolled back yet */
    public boolean isActive() {
        return state == State.ACTIVE;
    }

    /**
     * Makes the transaction roll back at its end instead of committing, without failing the call: the work's
     * result is still returned. Handy for dry runs and tests.
     */
    public void setRollbackOnly() {
        rollbackOnly = true;
    }

    /** @return whether it committed (a nested one: released its savepoint) */
    boolean committed() {
        return state == State.COMMITTED;
    }

    /** @return whether {@link #setRollbackOnly()} was called */
    public boolean isRollbackOnly() {
        return rollbackOnly;
    }

    /**
     * Runs {@code work} in a nested transaction (a savepoint) with this transaction's settings.
     *
     * {@snippet :
     * db.transaction(tx -> {
     *     insertOrder(tx.connection(), order);
     *     try {
     *         tx.transaction(inner -> reserveStock(inner.connection(), order));   // a savepoint
     *     } catch (SQLException outOfStock) {
     *         markBackordered(tx.connection(), order);                            // the order still commits
     *     }
     *     return order.id();
     * });
     * }
     *
     * @param work the nested work
     * @param <R> its result type
     * @param <X> its checked exception
     * @return what the work returned
     * @throws SQLException when setting, releasing or rolling back to the savepoint fails, or from the work
     * @throws X from the work
     */
    public <R, X extends Exception> R transaction(TransactionWork<R, X> work) throws SQLException, X {
        return transaction(TransactionOptions.defaults(), work);
    }

    /**
     * Runs {@code work} in a nested transaction (a savepoint). The options must agree with this transaction:
     * the same isolation level (or none), and not read-write inside read-only; their retry policy and
     * statement timeout are ignored (the outermost transaction's apply).
     *
     * @param nestedOptions what the nested work expects
     * @param work the nested work
     * @param <R> its result type
     * @param <X> its checked exception
     * @return what the work returned
     * @throws IllegalStateException when the options disagree with this transaction's, or it is not active
     * @throws SQLException when setting, releasing or rolling back to the savepoint fails, or from the work
     * @throws X from the work
     */
    public <R, X extends Exception> R transaction(TransactionOptions nestedOptions, TransactionWork<R, X> work) throws SQLException, X {
        return runner.nested(this, nestedOptions, work);
    }

    /**
     * Commits (for a nested transaction: releases its savepoint). Only for transactions from
     * {@link Database#begin}; inside {@link Database#transaction(TransactionWork)} berth commits when the work
     * returns.
     *
     * @throws AmbiguousCommitException when the connection was lost during COMMIT (outcome unknown)
     * @throws SQLException when the server refused to commit (the transaction is rolled back), e.g. SQLSTATE
     *     40001 or a deferred constraint; 25P02 when a statement had failed and the work went on; 57014 when
     *     the thread was interrupted (then berth does not commit)
     * @throws IllegalStateException inside {@code db.transaction(work)}, or when already ended
     */
    public void commit() throws SQLException {
        requireUnmanaged("commit");
        if (parent != null) {
            endNested(null);
        } else {
            try {
                commitNow();
            } finally {
                onEnd.accept(this);
            }
        }
    }

    /**
     * Rolls back (for a nested transaction: back to its savepoint). Only for transactions from
     * {@link Database#begin}; inside {@code db.transaction(work)} throw, or call {@link #setRollbackOnly()}.
     *
     * @throws SQLException when the rollback fails (the connection is then destroyed)
     */
    public void rollback() throws SQLException {
        requireUnmanaged("rollback");
        if (state != State.ACTIVE) {
            return;
        }
        if (parent != null) {
            rollbackNested(null);
        } else {
            try {
                rollbackNow(null);
            } finally {
                onEnd.accept(this);
            }
        }
    }

    /**
     * Rolls back unless committed, and gives the connection back. Idempotent.
     *
     * @throws SQLException when the rollback fails
     */
    @Override
    public void close() throws SQLException {
        if (managed || state != State.ACTIVE) {
            return;
        }
        rollback();
    }

    private void requireUnmanaged(String what) {
        if (managed) {
            throw new IllegalStateException(what + "() is not for transactions run by db.transaction(work): berth "
                    + (what.equals("commit") ? "commits when the work returns" : "rolls back when the work throws")
                    + "; return normally, throw, or call setRollbackOnly()");
        }
        if (state != State.ACTIVE && what.equals("commit")) {
            throw new IllegalStateException("this transaction already " + (state == State.COMMITTED ? "committed" : "rolled back")
                    + "; begin a new one");
        }
    }

    // ---- top level ---------------------------------------------------------------------------------------

    /** Commits the outermost transaction, turning every way it can fail into an error. */
    void commitNow() throws SQLException {
        if (rollbackOnly) {
            rollbackNow(null);
            return;
        }
        if (!entry.startCommit()) {
            state = State.ROLLED_BACK;
            throw entry.abortedError(null);
        }
        if (Thread.currentThread().isInterrupted()) {
            // never send COMMIT from an interrupted thread: the write would close the socket mid-COMMIT and
            // turn a clear "not committed" into an unknown outcome
            SQLException interrupted = new SQLException("the thread running the transaction begun at " + entry.callSite
                    + " was interrupted before COMMIT (a cancelled or shut-down task), so berth did not commit it; nothing "
                    + "was committed", "57014");
            rollbackNow(interrupted);
            throw interrupted;
        }
        if (failedOnServer()) {
            state = State.ROLLED_BACK;
            SQLException aborted = new SQLException("transaction begun at " + entry.callSite + " cannot commit: a statement in it "
                    + "failed earlier and the work went on (it caught the error), so PostgreSQL aborted the transaction; it "
                    + "was rolled back. Let the error propagate, or use a nested transaction (savepoint) around the statement "
                    + "that may fail", "25P02");
            try {
                connection.rollback();
            } catch (SQLException e) {
                aborted.addSuppressed(e);
            }
            throw aborted;
        }
        try {
            connection.commit();
            state = State.COMMITTED;
        } catch (SQLException e) {
            state = State.ROLLED_BACK;
            if (ConnectionLoss.isLoss(e)) {
                throw new AmbiguousCommitException("the connection to " + target + " was lost during COMMIT of the transaction "
                        + "begun at " + entry.callSite + ", so whether it committed is unknown; berth does not retry it. Check "
                        + "whether its effects are there before running it again (see AmbiguousCommitException)", e);
            }
            throw e;
        }
    }

    /** Rolls the outermost transaction back; a failure is attached to {@code primary} when there is one. */
    void rollbackNow(Throwable primary) throws SQLException {
        if (state != State.ACTIVE) {
            return;
        }
        state = State.ROLLED_BACK;
        if (entry.aborted() || connection.isClosed()) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException e) {
            if (primary == null) {
                throw e;
            }
            primary.addSuppressed(e);
        }
    }

    private boolean failedOnServer() {
        try {
            return connection.isWrapperFor(BaseConnection.class)
                    && connection.unwrap(BaseConnection.class).getTransactionState() == TransactionState.FAILED;
        } catch (SQLException e) {
            return false;
        }
    }

    // ---- nested ------------------------------------------------------------------------------------------

    Transaction nestedChild(TransactionOptions nestedOptions, boolean nestedManaged) throws SQLException {
        if (state != State.ACTIVE) {
            throw new IllegalStateException("cannot nest a transaction in one that already "
                    + (state == State.COMMITTED ? "committed" : "rolled back"));
        }
        if (nestedOptions.isolation() != null && nestedOptions.isolation() != effectiveIsolation()) {
            throw new IllegalStateException("a nested transaction asked for isolation " + nestedOptions.isolation()
                    + " but runs inside a " + effectiveIsolation() + " transaction begun at " + root().entry.callSite
                    + "; a savepoint cannot change the isolation level. Ask for the same level, or run the work "
                    + "outside the enclosing transaction");
        }
        if (!nestedOptions.readOnly() && options.readOnly()) {
            throw new IllegalStateException("a nested read-write transaction cannot run inside a read-only transaction begun at "
                    + root().entry.callSite + "; make the enclosing transaction read-write, or the nested one read-only");
        }
        Savepoint point = connection.setSavepoint();
        return new Transaction(runner, connection, options, attempt, target, this, point, nestedManaged, null, null);
    }

    /** Releases the savepoint, or rolls back to it when rollback-only. */
    void endNested(Throwable failure) throws SQLException {
        if (failure != null || rollbackOnly) {
            rollbackNested(failure);
            return;
        }
        connection.releaseSavepoint(savepoint);
        state = State.COMMITTED;
    }

    void rollbackNested(Throwable primary) throws SQLException {
        if (state != State.ACTIVE) {
            return;
        }
        state = State.ROLLED_BACK;
        try {
            connection.rollback(savepoint);
            connection.releaseSavepoint(savepoint);
        } catch (SQLException e) {
            if (primary == null) {
                throw e;
            }
            primary.addSuppressed(e);
        }
    }

    private Transaction root() {
        Transaction t = this;
        while (t.parent != null) {
            t = t.parent;
        }
        return t;
    }

    /** The isolation in force, asking the server once when the transaction was begun with its default. */
    Isolation effectiveIsolation() throws SQLException {
        Transaction root = root();
        if (root.isolation == null) {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT current_setting('transaction_isolation')")) {
                rs.next();
                root.isolation = Isolation.fromSetting(rs.getString(1));
            }
        }
        return root.isolation;
    }

    @Override
    public String toString() {
        return (parent == null ? "transaction" : "nested transaction") + " (" + state.name().toLowerCase(java.util.Locale.ROOT)
                + ", attempt " + attempt + ", " + target + ")";
    }
}
