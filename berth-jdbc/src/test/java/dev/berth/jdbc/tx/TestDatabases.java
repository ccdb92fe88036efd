package dev.berth.jdbc.tx;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Helpers for the Database tests on the real server ({@link TestPostgres}): pools with unique names, tables with
 * unique names (other test runs share the server), and one-line queries from a side connection.
 */
final class TestDatabases {

    private TestDatabases() {
    }

    /** A pool on the test server, not started yet. */
    static BerthDataSource dataSource(String name, int size) {
        return BerthDataSource.builder()
                .jdbcUrl(TestPostgres.jdbcUrl())
                .username(TestPostgres.user())
                .poolName(name + "-" + suffix())
                .maximumPoolSize(size)
                .connectionTimeout(10_000)
                .build();
    }

    /** A table name no other test (or test run) uses: {@code prefix_1a2b3c4d}. */
    static String table(String prefix) {
        return prefix + "_" + suffix();
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Runs statements on a plain connection (autocommit). */
    static void execute(String... sql) throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    /** The first column of the first row of a query, as a long. */
    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new AssertionError("no row from: " + sql);
            }
            return rs.getLong(1);
        }
    }

    /** The first column of the first row of a query, as text. */
    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new AssertionError("no row from: " + sql);
            }
            return rs.getString(1);
        }
    }

    /** A query's long result on a fresh side connection. */
    static long queryLong(String sql) throws SQLException {
        try (Connection c = TestPostgres.plainConnection()) {
            return queryLong(c, sql);
        }
    }

    static int update(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }
}
