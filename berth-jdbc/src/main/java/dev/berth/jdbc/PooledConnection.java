package dev.berth.jdbc;

import dev.berth.pool.Lease;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.core.BaseConnection;

/**
 * The {@link Connection} a borrower gets: forwards to pgjdbc, remembers what the borrower changed (through
 * {@link PhysicalConnection}), and on {@link #close()} closes forgotten statements, resets the session and
 * gives the lease back. A connection that failed fatally (as the data source's {@link FatalErrorRule} judges its
 * errors; by default, one that lost its server, see {@link ConnectionLoss}), was aborted, or could not be reset is
 * destroyed instead of returned; a fatal verdict about the server also reaches the pool ({@link FatalErrors}).
 *
 * <p>One borrower uses it at a time, like any JDBC connection; {@code close()} and {@code abort()} may come
 * from another thread and take effect once.
 */
final class PooledConnection extends ForwardingConnection {

    private static final System.Logger LOG = System.getLogger(PooledConnection.class.getName());
    private static final String CLOSED_MESSAGE = "connection is closed: it went back to the pool; get a new one from the DataSource";
    private static final VarHandle CLOSED;
    private static final VarHandle STATEMENTS;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(PooledConnection.class, "closed", boolean.class);
            STATEMENTS = MethodHandles.lookup().findVarHandle(PooledConnection.class, "statements", OpenStatements.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Lease<PhysicalConnection> lease;
    private final PhysicalConnection physical;
    private final BaseConnection delegate;
    private final FatalErrors fatalErrors;
    /** The borrower's open statements, made on the first statement: a borrow that runs none allocates nothing. */
    private volatile OpenStatements statements;
    private volatile boolean closed;
    private volatile boolean lost;
    /** The strongest verdict acted on so far: a weaker or equal one later changes nothing. */
    private volatile FatalErrorRule.Verdict worst = FatalErrorRule.Verdict.NOT_FATAL;
    /**
     * Whether the borrower reached the pgjdbc connection at all (set on the first call that does): a connection
     * returned untouched has nothing to reset, not even warnings, and is given back without taking pgjdbc's lock.
     */
    private volatile boolean used;
    /** Whether the full reset must drop prepared statements too: the borrower's SQL mentioned PREPARE, or it unwrapped. */
    private volatile boolean mayHavePrepared;
    /** Whether SQL is worth looking at for {@link #mayHavePrepared}: only when the full reset runs. */
    private final boolean watchPrepare;

    /** A connection outside any pool (tests of the wrapper): the standard rule, nothing pool-wide. */
    PooledConnection(Lease<PhysicalConnection> lease) {
        this(lease, FatalErrors.withoutPool());
    }

    PooledConnection(Lease<PhysicalConnection> lease, FatalErrors fatalErrors) {
        this.lease = lease;
        this.physical = lease.get();
        this.delegate = physical.connection();
        this.fatalErrors = fatalErrors;
        this.watchPrepare = physical.resetsFully();
    }

    // ---- lifecycle -------------------------------------------------------------------------------------

    /** Closes open statements, resets the session and returns the connection; later calls do nothing. */
    @Override
    public void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        try {
            if (lost) {
                lease.markBroken();
            } else if (used) {
                closeOpenStatements();
                if (delegate.isClosed()) {
                    lease.markBroken();
                } else {
                    physical.reset(mayHavePrepared);
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SQLException sql) {
                failed(sql); // a reset that finds the server gone is news for the pool as well
            }
            lease.markBroken();
            LOG.log(System.Logger.Level.WARNING, () -> "a returned connection could not be reset and is closed instead: "
                    + e.getMessage() + " (SQLSTATE " + (e instanceof SQLException s ? s.getSQLState() : "none") + ')');
        } finally {
            lease.close();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Closes the physical connection for good: it is destroyed, not returned. */
    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("abort needs an executor to run the abort on; pass one, e.g. Runnable::run", "HY009");
        }
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        lost = true;
        lease.markBroken();
        try {
            delegate.abort(executor);
        } finally {
            lease.close();
        }
    }

    @Override
    public boolean isValid(int timeoutSeconds) throws SQLException {
        if (closed) {
            return false;
        }
        touch();
        try {
            boolean valid = delegate.isValid(timeoutSeconds);
            if (!valid && !lost) {
                // the server did not answer: the connection is not fit for the next borrower either
                lost = true;
                lease.markBroken();
            }
            return valid;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Throws the "connection is closed" error when this connection was closed. */
    void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLNonTransientConnectionException(CLOSED_MESSAGE, "08003");
        }
    }

    @Override
    BaseConnection delegate() throws SQLException {
        checkOpen();
        touch();
        return delegate;
    }

    /**
     * Notes SQL the borrower runs or prepares: a {@code PREPARE} in it makes the full reset drop prepared statements
     * too. A scan of the text only until the first one (see {@link SessionSql#mentionsPrepare}).
     */
    void sawSql(String sql) {
        if (watchPrepare && !mayHavePrepared && sql != null && SessionSql.mentionsPrepare(sql)) {
            mayHavePrepared = true;
        }
    }

    /**
     * Unwrapping to pgjdbc's connection lets the borrower run SQL berth does not see, so the full reset then drops
     * prepared statements as well.
     */
    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        T unwrapped = delegate().unwrap(iface);
        if (watchPrepare) {
            mayHavePrepared = true;
        }
        return unwrapped;
    }

    /** Notes that the borrower used the connection; a volatile write only the first time. */
    private void touch() {
        if (!used) {
            used = true;
        }
    }

    @Override
    BaseConnection clientInfoDelegate() throws SQLClientInfoException {
        if (closed) {
            throw new SQLClientInfoException(CLOSED_MESSAGE, "08003", 0, Map.of());
        }
        touch();
        return delegate;
    }

    /**
     * Has the failure judged: a fatal verdict marks the connection for destruction on return, and a verdict about the
     * server reaches the pool (once per incident). Hands the failure back.
     */
    @Override
    SQLException failed(SQLException failure) {
        FatalErrorRule.Verdict verdict = fatalErrors.failed(failure, physical, worst);
        if (verdict.compareTo(worst) > 0) {
            worst = verdict;
            if (!lost) {
                lost = true;
                lease.markBroken();
            }
        }
        return failure;
    }

    // ---- statements ------------------------------------------------------------------------------------

    /** Statements the borrower has not closed yet, closed when the connection goes back. */
    private static final class OpenStatements {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayList<TrackedStatement> list = new ArrayList<>();
    }

    private OpenStatements statements() {
        OpenStatements open = statements;
        if (open == null) {
            OpenStatements fresh = new OpenStatements();
            open = (OpenStatements) STATEMENTS.compareAndExchange(this, null, fresh);
            if (open == null) {
                open = fresh;
            }
        }
        return open;
    }

    private <S extends Statement> S track(S statement, Class<S> type) {
        TrackedStatement handler = new TrackedStatement(this, statement);
        OpenStatements open = statements();
        open.lock.lock();
        try {
            open.list.add(handler);
        } finally {
            open.lock.unlock();
        }
        return handler.proxy(type);
    }

    void untrack(TrackedStatement statement) {
        OpenStatements open = statements;
        if (open == null) {
            return;
        }
        open.lock.lock();
        try {
            for (int i = open.list.size() - 1; i >= 0; i--) {
                if (open.list.get(i) == statement) {
                    open.list.remove(i);
                    return;
                }
            }
        } finally {
            open.lock.unlock();
        }
    }

    private void closeOpenStatements() throws SQLException {
        OpenStatements open = statements;
        if (open == null) {
            return;
        }
        TrackedStatement[] left;
        open.lock.lock();
        try {
            if (open.list.isEmpty()) {
                return;
            }
            left = open.list.toArray(TrackedStatement[]::new);
            open.list.clear();
        } finally {
            open.lock.unlock();
        }
        SQLException failure = null;
        for (TrackedStatement statement : left) {
            try {
                statement.closeDelegate();
            } catch (SQLException e) {
                failed(e);
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** @return how many statements the borrower has open (for tests) */
    int openStatementCount() {
        OpenStatements open = statements;
        if (open == null) {
            return 0;
        }
        open.lock.lock();
        try {
            return open.list.size();
        } finally {
            open.lock.unlock();
        }
    }

    @Override
    public Statement createStatement() throws SQLException {
        try {
            return track(delegate().createStatement(), Statement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        try {
            return track(delegate().createStatement(type, concurrency), Statement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        try {
            return track(delegate().createStatement(type, concurrency, holdability), Statement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareStatement(sql), PreparedStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareStatement(sql, type, concurrency), PreparedStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareStatement(sql, type, concurrency, holdability), PreparedStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareStatement(sql, autoGeneratedKeys), PreparedStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareStatement(sql, columnIndexes), PreparedStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareStatement(sql, columnNames), PreparedStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareCall(sql), CallableStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareCall(sql, type, concurrency), CallableStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        sawSql(sql);
        try {
            return track(delegate().prepareCall(sql, type, concurrency, holdability), CallableStatement.class);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    // ---- session state (tracked, so that reset restores only what changed) ------------------------------

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        delegate();
        try {
            physical.setAutoCommit(autoCommit);
            // shown in the pool's reports on long holders ("who holds the connections, doing what?")
            lease.state(autoCommit ? null : "transaction (autocommit off)");
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        return delegate().getAutoCommit();
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        delegate();
        try {
            physical.setReadOnly(readOnly);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return delegate().isReadOnly();
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        delegate();
        try {
            physical.setTransactionIsolation(level);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        try {
            return delegate().getTransactionIsolation();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        delegate();
        try {
            physical.setSchema(schema);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public String getSchema() throws SQLException {
        try {
            return delegate().getSchema();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        delegate();
        try {
            physical.setCatalog(catalog);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public String getCatalog() throws SQLException {
        return delegate().getCatalog();
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        delegate();
        try {
            physical.setNetworkTimeout(milliseconds);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return delegate().getNetworkTimeout();
    }

    @Override
    public String toString() {
        return "pooled connection (" + (closed ? "closed" : "open") + ") over " + physical;
    }
}
