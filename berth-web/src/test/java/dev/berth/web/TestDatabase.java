package dev.berth.web;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.jdbc.tx.Database;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A database for the middleware tests on the real server ({@link TestPostgres}): a primary pool and a "replica"
 * pool (the same server, so read-only routing can be seen in {@code Transaction.target()}), and tables with
 * unique names (other test runs share the server): {@code notes} for rows a request writes, and a child table
 * whose foreign key is checked only at COMMIT, so a request can make the commit itself fail.
 */
final class TestDatabase implements AutoCloseable {

    final BerthDataSource primary;
    final BerthDataSource replica;
    final Database db;
    final String notes;
    private final String parents;
    private final String children;

    TestDatabase(String name) throws SQLException {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        primary = pool(name + "-primary-" + suffix);
        replica = pool(name + "-replica-" + suffix);
        db = Database.builder().name(name).primary(primary).replica(replica).build();
        notes = "web_notes_" + suffix;
        parents = "web_parents_" + suffix;
        children = "web_children_" + suffix;
        execute("CREATE TABLE " + notes + " (id serial PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE " + parents + " (id int PRIMARY KEY)",
                "CREATE TABLE " + children + " (id int PRIMARY KEY, parent int NOT NULL REFERENCES " + parents
                        + " (id) DEFERRABLE INITIALLY DEFERRED)");
    }

    private static BerthDataSource pool(String name) {
        return BerthDataSource.builder()
                .jdbcUrl(TestPostgres.jdbcUrl())
                .username(TestPostgres.user())
                .poolName(name)
                .maximumPoolSize(2)
                .connectionTimeout(5_000)
                .build();
    }

    /** Inserts a note on {@code connection} (the request's). */
    void insertNote(Connection connection, String body) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + notes + " (body) VALUES (?)")) {
            insert.setString(1, body);
            insert.executeUpdate();
        }
    }

    /** Inserts a child of a parent that does not exist: accepted now, refused at COMMIT (SQLSTATE 23503). */
    void insertOrphan(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO " + children + " (id, parent) VALUES (1, 42)");
        }
    }

    /** Counts notes with {@code body}, on a fresh side connection (sees committed rows only). */
    long notesWith(String body) throws SQLException {
        try (Connection c = TestPostgres.plainConnection();
             PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + notes + " WHERE body = ?")) {
            count.setString(1, body);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Counts children, on a fresh side connection. */
    long children() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + children)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return connections leased from the primary and the replica pool right now */
    int leased() {
        return primary.stats().leased() + replica.stats().leased();
    }

    /** @return connections ever handed out by both pools */
    long acquired() {
        return primary.stats().acquired() + replica.stats().acquired();
    }

    private static void execute(String... sql) throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    @Override
    public void close() throws SQLException {
        db.close();
        primary.close();
        replica.close();
        execute("DROP TABLE IF EXISTS " + children, "DROP TABLE IF EXISTS " + parents, "DROP TABLE IF EXISTS " + notes);
    }
}
