package dev.berth.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.Utils;

/**
 * The SQL of the full session reset ({@link SessionReset#FULL}) and what it needs to know about a connection.
 *
 * <p>Why this batch and not {@code DISCARD ALL}: {@code DISCARD ALL} is the same list plus {@code DEALLOCATE ALL}
 * and {@code DISCARD PLANS}, and dropping pgjdbc's server-prepared statements on every return means every borrower
 * parses and plans its statements again (pgjdbc copes: it watches for the {@code DISCARD ALL} and
 * {@code DEALLOCATE ALL} command tags and re-prepares, so nothing fails, it is only slower). Measured on a local
 * PostgreSQL 15 on 2 busy cores (best of 7 runs of 3,000-4,000 borrows each): with 4 prepared statements per borrow,
 * no reset 130 us per borrow, this batch 176 us, {@code DISCARD ALL} 195 us (the statements are parsed and planned
 * again), this batch plus a scan of {@code pg_prepared_statements} for hand-made statements 215 us (the view
 * materialises every statement's text); with a bare {@code SELECT 1} per borrow, 33 us alone, +84 us with this
 * batch, +53 us with {@code DISCARD ALL}, whose one statement is cheaper than this batch's seven until planning
 * counts. Hence: the batch, and {@code DEALLOCATE ALL} only when the borrower's SQL mentioned {@code PREPARE}. The
 * batch is sent through the extended protocol with one Sync (one round trip; pgjdbc's simple-query mode sends one
 * message per statement and measured slower, +164 us) and runs as one implicit transaction: every statement in it
 * is allowed there, which is why it cannot contain {@code DISCARD ALL}.
 */
final class SessionSql {

    /** Undoes what raw SQL can leave in a session, keeping pgjdbc's prepared statements (see the class comment). */
    static final String RESET = "SET SESSION AUTHORIZATION DEFAULT;RESET ALL;CLOSE ALL;UNLISTEN *;DISCARD TEMP;"
            + "DISCARD SEQUENCES;SELECT pg_catalog.pg_advisory_unlock_all()";
    /** Put before {@link #RESET} when the borrower may have prepared statements by hand. */
    static final String DEALLOCATE_ALL = "DEALLOCATE ALL;";

    private static final String OPENING = "SELECT name, setting, source FROM pg_catalog.pg_settings"
            + " WHERE source = 'session' OR name = 'search_path'";

    private SessionSql() {
    }

    /**
     * What a new connection's session looks like once configured.
     *
     * @param searchPath its search_path
     * @param sessionSettings the settings made by {@code SET} in this session (by berth's configuration, pgjdbc or
     *     {@code connectionInitSql}), which {@code RESET ALL} would undo: name to value, in the server's base units
     */
    record Opening(String searchPath, Map<String, String> sessionSettings) {
    }

    /** Reads the opening state in one query (the one berth ran anyway for the search_path). */
    static Opening opening(BaseConnection connection) throws SQLException {
        String searchPath = null;
        Map<String, String> settings = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(OPENING)) {
            while (rs.next()) {
                if ("search_path".equals(rs.getString(1))) {
                    searchPath = rs.getString(2);
                }
                if ("session".equals(rs.getString(3))) {
                    settings.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return new Opening(searchPath, Map.copyOf(settings));
    }

    /**
     * The batch for one connection: {@link #RESET}, then the opening settings again ({@code set_config}, which
     * takes a value as the server shows it, lists such as {@code search_path} included), then
     * {@code connectionInitSql} again.
     */
    static String fullReset(Map<String, String> sessionSettings, String initSql, boolean standardConformingStrings)
            throws SQLException {
        StringBuilder sql = new StringBuilder(RESET);
        // in the SELECT that ends RESET: each statement of the batch costs the server a few microseconds
        for (Map.Entry<String, String> setting : sessionSettings.entrySet()) {
            sql.append(", pg_catalog.set_config(");
            literal(sql, setting.getKey(), standardConformingStrings).append(", ");
            literal(sql, setting.getValue(), standardConformingStrings).append(", false)");
        }
        if (initSql != null && !initSql.isBlank()) {
            sql.append(";\n").append(initSql);
        }
        return sql.toString();
    }

    private static StringBuilder literal(StringBuilder sql, String value, boolean standardConformingStrings)
            throws SQLException {
        sql.append(standardConformingStrings ? "'" : "E'");
        Utils.escapeLiteral(sql, value, standardConformingStrings);
        return sql.append('\'');
    }

    /**
     * Whether SQL text may prepare a statement by hand: the word {@code PREPARE} anywhere (also inside a string,
     * so dynamic SQL written in the statement counts), but not {@code prepared_at} or {@code unprepare}. A scan of
     * the text, run only while nothing has been found yet; a false alarm only costs one {@code DEALLOCATE ALL}.
     */
    static boolean mentionsPrepare(String sql) {
        int last = sql.length() - 7;
        for (int i = 0; i <= last; i++) {
            char c = sql.charAt(i);
            if ((c == 'p' || c == 'P') && sql.regionMatches(true, i, "prepare", 0, 7)
                    && (i == 0 || !isWordPart(sql.charAt(i - 1)))
                    && (i == last || !isWordPart(sql.charAt(i + 7)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
