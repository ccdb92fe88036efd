package dev.berth.jdbc;

import java.util.Locale;

/**
 * How much of a PostgreSQL session {@link BerthDataSource} cleans when a borrower closes its connection, so that
 * what one borrower did never reaches the next one. A connection returned untouched (the borrower never reached
 * the database) costs nothing in either mode.
 *
 * {@snippet :
 * BerthDataSource db = BerthDataSource.builder()
 *         .jdbcUrl("jdbc:postgresql://localhost:5432/app")
 *         .sessionReset(SessionReset.JDBC)   // HikariCP's behaviour; the default is FULL
 *         .build();
 * }
 *
 * <p>As a property: {@code sessionReset=full} or {@code sessionReset=jdbc}.
 */
public enum SessionReset {

    /**
     * The default: everything a session can carry is reset, also what raw SQL changed. On every return of a used
     * connection, after rolling back an open transaction, one round trip sends
     * {@code SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all();
     * DISCARD TEMP; DISCARD SEQUENCES}, which ends a {@code SET ROLE} or {@code SET SESSION AUTHORIZATION}, undoes
     * every {@code SET} and {@code set_config}, closes cursors kept {@code WITH HOLD}, ends {@code LISTEN}s, releases
     * session advisory locks and drops temporary tables; notifications pgjdbc had already received are dropped too.
     * {@code DEALLOCATE ALL} is added when the borrower's SQL contained a {@code PREPARE} (or the borrower unwrapped
     * the pgjdbc connection); otherwise pgjdbc's own server-prepared statements stay, so their plans are not lost
     * with every borrow (which is what {@code DISCARD ALL} would cost). The same round trip then restores what the
     * connection had when it was opened: the session settings berth made (schema, isolation, ...) and
     * {@code connectionInitSql}, run again. Settings given at connect time ({@code options=-c ...},
     * {@code currentSchema}, role or database defaults) survive {@code RESET ALL} by themselves.
     *
     * <p>Cost: one extra round trip per borrow that used the connection (tens of microseconds on a local server).
     * Not seen: a {@code PREPARE} run by dynamic SQL inside a server function.
     */
    FULL,

    /**
     * HikariCP's behaviour: only what changed through the JDBC API is restored (an open transaction is rolled back;
     * autocommit, read-only, isolation, schema, catalog and network timeout go back to the configured values), with no
     * round trip when nothing changed. State made by raw SQL ({@code SET}, {@code SET ROLE}, advisory locks,
     * temporary tables, {@code LISTEN}, {@code PREPARE}, cursors {@code WITH HOLD}) reaches the next borrower.
     */
    JDBC;

    /**
     * Reads a mode from configuration text, ignoring case.
     *
     * @param value {@code full} or {@code jdbc}
     * @return the mode
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static SessionReset parse(String value) {
        if (value != null) {
            switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "full" -> {
                    return FULL;
                }
                case "jdbc" -> {
                    return JDBC;
                }
                default -> { }
            }
        }
        throw new IllegalArgumentException("sessionReset is \"" + value + "\" but must be full (the default: also what raw"
                + " SQL changed) or jdbc (HikariCP's behaviour: only what changed through the JDBC API)");
    }
}
