package dev.berth.jdbc.tx;

import dev.berth.jdbc.BerthDataSource;
import java.time.Duration;
import java.util.StringJoiner;

/**
 * How a transaction runs: isolation level, read-only, deferrable, statement timeout and retry policy.
 * Immutable; each {@code with} method returns a copy, so options can be shared as constants.
 *
 * {@snippet :
 * static final TransactionOptions TRANSFER = TransactionOptions.defaults()
 *         .isolation(Isolation.SERIALIZABLE)
 *         .statementTimeout(Duration.ofSeconds(2));
 * static final TransactionOptions REPORT = TransactionOptions.defaults()
 *         .isolation(Isolation.REPEATABLE_READ)
 *         .readOnly(true);                         // may run on a replica
 * }
 *
 * <p>berth starts the transaction with one fixed statement built from these values only
 * ({@code SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE} and
 * {@code SET LOCAL statement_timeout = 2000}), so they last for this transaction and never leak into the
 * connection's next user. That statement costs one round trip; it is left out when there is nothing to set,
 * and the isolation level is left out when the target is a {@link BerthDataSource} configured with that same
 * {@code transactionIsolation} (its connections already run at that level), so a
 * {@code SERIALIZABLE} transaction on a {@code TRANSACTION_SERIALIZABLE} pool costs no extra round trip.
 *
 * @param isolation the level, or {@code null} for the server's default ({@code default_transaction_isolation})
 * @param readOnly whether writes are refused (SQLSTATE 25006); read-only transactions may run on a replica
 * @param deferrable whether a {@code SERIALIZABLE READ ONLY} transaction waits for a safe snapshot and then
 *     can never fail with 40001 (PostgreSQL ignores it otherwise)
 * @param statementTimeout the longest any one statement may run (SQLSTATE 57014 after it), or {@code null}
 *     for the server's setting
 * @param retry the retry policy, or {@code null} for the {@link Database}'s default
 */
public record TransactionOptions(Isolation isolation, boolean readOnly, boolean deferrable, Duration statementTimeout,
                                 RetryPolicy retry) {

    private static final TransactionOptions DEFAULTS = new TransactionOptions(null, false, false, null, null);

    /**
     * @throws IllegalArgumentException when the statement timeout is not positive or not whole milliseconds
     *     above zero
     */
    public TransactionOptions {
        if (statementTimeout != null && statementTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("statementTimeout must be at least 1 ms (use null for the server's setting), was "
                    + statementTimeout);
        }
    }

    /** @return the server's isolation level, read-write, no statement timeout, the database's retry policy */
    public static TransactionOptions defaults() {
        return DEFAULTS;
    }

    /** @param level the isolation level ({@code null}: the server's default); @return a copy */
    public TransactionOptions isolation(Isolation level) {
        return new TransactionOptions(level, readOnly, deferrable, statementTimeout, retry);
    }

    /** @param value whether the transaction is read-only; @return a copy */
    public TransactionOptions readOnly(boolean value) {
        return new TransactionOptions(isolation, value, deferrable, statementTimeout, retry);
    }

    /** @param value whether the transaction is deferrable; @return a copy */
    public TransactionOptions deferrable(boolean value) {
        return new TransactionOptions(isolation, readOnly, value, statementTimeout, retry);
    }

    /** @param timeout the longest a statement may run, at least 1 ms ({@code null}: the server's); @return a copy */
    public TransactionOptions statementTimeout(Duration timeout) {
        return new TransactionOptions(isolation, readOnly, deferrable, timeout, retry);
    }

    /** @param policy the retry policy ({@code null}: the database's default); @return a copy */
    public TransactionOptions retry(RetryPolicy policy) {
        return new TransactionOptions(isolation, readOnly, deferrable, statementTimeout, policy);
    }

    /**
     * Whether a replica can run this transaction: read-only, and not serializable (a hot standby refuses
     * {@code SERIALIZABLE}).
     */
    boolean replicaEligible() {
        return readOnly && isolation != Isolation.SERIALIZABLE;
    }

    /**
     * The statements that open the transaction, built from fixed literals and a number only; {@code null} when
     * everything is the server's default (then pgjdbc's own BEGIN is enough).
     */
    String beginSql() {
        return beginSql(null);
    }

    /**
     * Like {@link #beginSql()}, leaving out the isolation level when the session already runs transactions at
     * {@code sessionIsolation} (known from the data source's configuration; {@code null} when unknown).
     */
    String beginSql(Isolation sessionIsolation) {
        StringJoiner modes = new StringJoiner(", ");
        if (isolation != null && isolation != sessionIsolation) {
            modes.add("ISOLATION LEVEL " + isolation.sql());
        }
        if (readOnly) {
            modes.add("READ ONLY");
        }
        if (deferrable) {
            modes.add("DEFERRABLE");
        }
        StringBuilder sql = new StringBuilder();
        if (modes.length() > 0) {
            sql.append("SET TRANSACTION ").append(modes);
        }
        if (statementTimeout != null) {
            if (!sql.isEmpty()) {
                sql.append("; ");
            }
            sql.append("SET LOCAL statement_timeout = ").append(statementTimeout.toMillis());
        }
        return sql.isEmpty() ? null : sql.toString();
    }
}
