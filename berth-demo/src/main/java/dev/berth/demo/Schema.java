package dev.berth.demo;

import dev.berth.jdbc.tx.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The demo's tables, created when missing (a transaction-scoped advisory lock keeps two demos starting at once on
 * one database from racing), and the database's namespace: a random id stored in the database once, which prefixes
 * the demo's Redis keys and channel, so a fresh embedded database never meets cache entries of an earlier one.
 */
final class Schema {
    static final String ACCOUNTS = "berth_demo_account";
    static final String TRANSFERS = "berth_demo_transfer";
    private static final String META = "berth_demo_meta";

    private Schema() {
    }

    /** @return the database's namespace for Redis keys */
    static String create(Database db) throws SQLException {
        return db.transaction(tx -> {
            try (Statement s = tx.connection().createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(7358012)");   // any fixed number: "the berth demo's schema"
                s.execute("CREATE TABLE IF NOT EXISTS " + ACCOUNTS + " ("
                        + "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        + "owner text NOT NULL, "
                        + "balance bigint NOT NULL CHECK (balance >= 0), "
                        + "created_at timestamptz NOT NULL DEFAULT now())");
                s.execute("CREATE TABLE IF NOT EXISTS " + TRANSFERS + " ("
                        + "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        + "from_id bigint NOT NULL REFERENCES " + ACCOUNTS + " (id), "
                        + "to_id bigint NOT NULL REFERENCES " + ACCOUNTS + " (id), "
                        + "amount bigint NOT NULL CHECK (amount > 0), "
                        + "created_at timestamptz NOT NULL DEFAULT now())");
                s.execute("CREATE TABLE IF NOT EXISTS " + META + " (namespace text NOT NULL)");
                s.execute("INSERT INTO " + META + " (namespace) SELECT md5(random()::text || clock_timestamp()::text) "
                        + "WHERE NOT EXISTS (SELECT 1 FROM " + META + ")");
                try (ResultSet rs = s.executeQuery("SELECT namespace FROM " + META + " LIMIT 1")) {
                    rs.next();
                    return rs.getString(1).substring(0, 12);
                }
            }
        });
    }
}
