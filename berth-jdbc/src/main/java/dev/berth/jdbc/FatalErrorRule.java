package dev.berth.jdbc;

import java.sql.SQLException;

/**
 * Decides what an error on a pooled connection means: nothing for the pool ({@link Verdict#NOT_FATAL}), the end of
 * this connection ({@link Verdict#CONNECTION}), a server that went away or restarted ({@link Verdict#SERVER}: every
 * other connection is checked before its next use), or a server that is no longer the primary
 * ({@link Verdict#FAILOVER}: every other connection is retired). HikariCP's {@code SQLExceptionOverride}, with two
 * pool-wide verdicts and the connection's read-only state to judge by.
 *
 * <p>{@link #standard()} is the rule a {@link BerthDataSource} uses unless told otherwise. A replacement is set with
 * {@link BerthDataSource#setFatalErrorRule}, {@link BerthDataSourceBuilder#fatalErrorRule} or the property
 * {@code fatalErrorRuleClassName} (a class with a public no-argument constructor). To extend the standard rule
 * rather than replace it, judge your own cases and leave the rest to it with {@link #orElse}:
 *
 * {@snippet :
 * // behind PgBouncer in transaction mode a statement prepared on one server connection can be missing on the next
 * // (26000, "prepared statement S_1 does not exist"): give up this connection, keep the others
 * FatalErrorRule missingPreparedStatement = (failure, context) -> "26000".equals(failure.getSQLState())
 *         ? FatalErrorRule.Verdict.CONNECTION
 *         : FatalErrorRule.Verdict.NOT_FATAL;
 * BerthDataSource db = BerthDataSource.builder()
 *         .jdbcUrl("jdbc:postgresql://db-a:5432,db-b:5432/app?targetServerType=primary")
 *         .fatalErrorRule(missingPreparedStatement.orElse(FatalErrorRule.standard()))
 *         .build();
 * }
 *
 * <p>The pool calls the rule on the borrower's thread for every {@link SQLException} a connection or statement
 * throws, so it must be fast, must not block and must not use the connection. It may be called from many threads at
 * once: make it stateless or thread-safe. A rule that throws is logged and the standard rule decides instead.
 * Whatever the verdicts, a burst of failures makes at most one pool-wide action per incident (see
 * {@link BerthDataSource#setFatalErrorRule}).
 */
@FunctionalInterface
public interface FatalErrorRule {

    /**
     * Judges one failure.
     *
     * @param failure what a call on the connection or one of its statements threw
     * @param context the pool's and the connection's read-only state when it failed
     * @return what the failure means for the connection and the pool; never {@code null}
     */
    Verdict judge(SQLException failure, Context context);

    /** What a failure means, from harmless to the end of the server's role; each verdict includes the ones before. */
    enum Verdict {
        /** An ordinary SQL error (a constraint, a syntax error, a serialization failure): the connection stays. */
        NOT_FATAL,
        /** This connection cannot be trusted again: it is destroyed when returned, the others are untouched. */
        CONNECTION,
        /**
         * The server went away or restarted: this connection is destroyed when returned and the pool
         * {@linkplain dev.berth.pool.Pool#revalidate() checks every other one} before it is lent again.
         */
        SERVER,
        /**
         * The server is no longer the primary: this connection is destroyed when returned and the pool
         * {@linkplain dev.berth.pool.Pool#evict() retires every other one}; new ones are opened where the URL
         * leads now (with several hosts and {@code targetServerType=primary}, to the new primary).
         */
        FAILOVER
    }

    /**
     * What the server says about its own role, as it last reported it to this session: PostgreSQL 14 and later
     * report {@code in_hot_standby} and {@code default_transaction_read_only} to every client when they change.
     */
    enum ServerMode {
        /** A primary that takes writes: neither a hot standby nor read-only by default. */
        READ_WRITE,
        /** A hot standby, or a server whose transactions are read-only by default (a demoted or fenced primary). */
        READ_ONLY,
        /** The server reports neither (before PostgreSQL 14). */
        UNKNOWN
    }

    /**
     * Where a failure happened.
     *
     * @param readOnlyPool whether the data source is configured {@code readOnly}
     * @param readOnlyConnection whether the connection was read-only when it failed: the pool's setting or the
     *     borrower's {@code setReadOnly(true)}; a write refused there is the borrower's mistake, not a failover
     * @param serverWhenOpened what the server said about its role when the connection was opened: a connection
     *     opened to a read-only server (a replica) never had a primary to lose
     * @param server what the server last reported about its role to this session, up to the failure
     */
    record Context(boolean readOnlyPool, boolean readOnlyConnection, ServerMode serverWhenOpened, ServerMode server) {

        /** @throws NullPointerException when a server mode is null */
        public Context {
            java.util.Objects.requireNonNull(serverWhenOpened, "serverWhenOpened must not be null; use ServerMode.UNKNOWN");
            java.util.Objects.requireNonNull(server, "server must not be null; use ServerMode.UNKNOWN");
        }
    }

    /**
     * The rule a data source uses by default:
     * <ul>
     *   <li>{@link Verdict#SERVER} for a lost connection, as {@link ConnectionLoss#isLoss} tells it: SQLSTATE class 08,
     *       57P01 (admin shutdown, {@code pg_terminate_backend}), 57P02 (crash shutdown), 57P03 (cannot connect now),
     *       or an {@link java.io.IOException} in the cause chain;</li>
     *   <li>{@link Verdict#FAILOVER} for 25006 (read_only_sql_transaction) on a connection that is not read-only on
     *       purpose and was not opened to a read-only server, unless the server still reports itself
     *       {@link ServerMode#READ_WRITE}: then the write was refused by a read-only transaction the borrower began
     *       ({@code BEGIN READ ONLY}), which is {@link Verdict#NOT_FATAL}, as is a write refused by a replica;</li>
     *   <li>{@link Verdict#CONNECTION} for 0A000 "cached plan must not change result type" (a table changed under
     *       a statement this session prepared on the server);</li>
     *   <li>{@link Verdict#NOT_FATAL} for everything else.</li>
     * </ul>
     * States are looked for along the cause chain and the {@linkplain SQLException#getNextException() next-exception}
     * chain (a batch reports its failure there).
     *
     * @return the standard rule; stateless
     */
    static FatalErrorRule standard() {
        return StandardFatalErrorRule.INSTANCE;
    }

    /**
     * A rule that asks this one first and {@code next} when this one says {@link Verdict#NOT_FATAL}.
     *
     * @param next the rule for the failures this one does not judge fatal, usually {@link #standard()}
     * @return the combined rule
     */
    default FatalErrorRule orElse(FatalErrorRule next) {
        java.util.Objects.requireNonNull(next, "next must not be null");
        FatalErrorRule first = this;
        return (failure, context) -> {
            Verdict verdict = first.judge(failure, context);
            return verdict != null && verdict != Verdict.NOT_FATAL ? verdict : next.judge(failure, context);
        };
    }
}
