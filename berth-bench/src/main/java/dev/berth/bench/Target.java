package dev.berth.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

/**
 * What the pooled connections talk to: nobody ({@link #NOOP}, to measure the pool alone) or a real
 * PostgreSQL ({@link #POSTGRES}; URL from {@code -Dbench.pg.url}, default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, user from {@code -Dbench.pg.user}, default {@code postgres}).
 */
enum Target {
    NOOP(NoopDriver.URL, null, null),
    POSTGRES(System.getProperty("bench.pg.url", "jdbc:postgresql://127.0.0.1:5432/test"),
            System.getProperty("bench.pg.user", "postgres"),
            System.getProperty("bench.pg.password", ""));

    final String url;
    final String user;
    final String password;

    Target(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    static Target of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Opens one unpooled connection, the way the queue floor fills itself. */
    Connection connect() throws SQLException {
        if (this == NOOP) {
            return new NoopDriver().connect(url, new Properties());
        }
        return DriverManager.getConnection(url, user, password);
    }

    /** @return null when a connection can be opened, otherwise why not (for skipping a group with a reason) */
    String unavailableBecause() {
        try (Connection c = connect()) {
            return c.isValid(2) ? null : "a connection to " + url + " is not valid";
        } catch (SQLException e) {
            return "cannot connect to " + url + " as " + user + ": " + e.getMessage();
        }
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
