package dev.berth.jdbc.tx;

import java.sql.Connection;

/**
 * The four SQL isolation levels, as PostgreSQL implements them. A transaction asks for one through
 * {@link TransactionOptions#isolation(Isolation)}; berth sends the fixed SQL text that belongs to the constant
 * ({@code SET TRANSACTION ISOLATION LEVEL ...}), so no caller text ever reaches the SQL.
 *
 * {@snippet :
 * long total = db.transaction(TransactionOptions.defaults().isolation(Isolation.REPEATABLE_READ),
 *         tx -> sumBalances(tx.connection()));
 * }
 *
 * <p>PostgreSQL runs {@link #READ_UNCOMMITTED} as {@link #READ_COMMITTED}; {@link #REPEATABLE_READ} sees one
 * snapshot for the whole transaction and fails a conflicting write with SQLSTATE 40001; {@link #SERIALIZABLE}
 * also fails (40001) any transaction that could break serial execution. Both need the retry that
 * {@link Database#transaction(TransactionOptions, TransactionWork)} provides.
 */
public enum Isolation {
    /** Read uncommitted: behaves as {@link #READ_COMMITTED} in PostgreSQL. */
    READ_UNCOMMITTED("READ UNCOMMITTED", Connection.TRANSACTION_READ_UNCOMMITTED),
    /** Read committed (PostgreSQL's default): each statement sees what was committed when it began. */
    READ_COMMITTED("READ COMMITTED", Connection.TRANSACTION_READ_COMMITTED),
    /** Repeatable read: one snapshot for the whole transaction; conflicting writes fail with 40001. */
    REPEATABLE_READ("REPEATABLE READ", Connection.TRANSACTION_REPEATABLE_READ),
    /** Serializable: as if transactions ran one after another; anything else fails with 40001. */
    SERIALIZABLE("SERIALIZABLE", Connection.TRANSACTION_SERIALIZABLE);

    private final String sql;
    private final int jdbcLevel;

    Isolation(String sql, int jdbcLevel) {
        this.sql = sql;
        this.jdbcLevel = jdbcLevel;
    }

    /** @return the level as PostgreSQL spells it in SQL, e.g. {@code "REPEATABLE READ"} (a fixed literal) */
    public String sql() {
        return sql;
    }

    /** @return the matching {@link Connection} constant, e.g. {@link Connection#TRANSACTION_SERIALIZABLE} */
    public int jdbcLevel() {
        return jdbcLevel;
    }

    /**
     * Reads a level as PostgreSQL reports it in {@code current_setting('transaction_isolation')}.
     *
     * @param setting e.g. {@code "read committed"}
     * @return the level
     * @throws IllegalArgumentException for anything else
     */
    static Isolation fromSetting(String setting) {
        for (Isolation level : values()) {
            if (level.sql.equalsIgnoreCase(setting)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown transaction isolation reported by the server: '" + setting
                + "'; expected one of read uncommitted, read committed, repeatable read, serializable");
    }
}
