package dev.berth.jdbc;

import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/** Helpers shared by the jdbc tests: a pool on the test PostgreSQL, and which sessions (backend pids) it lends. */
final class Sessions {

    private Sessions() {
    }

    /**
     * @param name the start of the pool's name (a random suffix keeps pools of repeated runs apart in
     *     {@code pg_stat_activity})
     * @param size the pool's maximum size
     * @return a builder for a data source on the test PostgreSQL ({@link TestPostgres})
     */
    static BerthDataSourceBuilder pool(String name, int size) {
        return BerthDataSource.builder()
                .jdbcUrl(TestPostgres.jdbcUrl())
                .username(TestPostgres.user())
                .poolName(name + "-" + UUID.randomUUID().toString().substring(0, 8))
                .maximumPoolSize(size);
    }

    /** @return the backend pid of the session behind {@code c}, asked of the server */
    static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Borrows {@code size} connections at once (so each is a distinct session) and returns their backend pids. */
    static Set<Integer> backendPidsOfEveryConnection(DataSource dataSource, int size) throws SQLException {
        List<Connection> borrowed = new ArrayList<>();
        try {
            Set<Integer> pids = new LinkedHashSet<>();
            for (int i = 0; i < size; i++) {
                Connection c = dataSource.getConnection();
                borrowed.add(c);
                pids.add(backendPid(c));
            }
            return pids;
        } finally {
            for (Connection c : borrowed) {
                c.close();
            }
        }
    }
}
