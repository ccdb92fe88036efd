package dev.berth.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/** Which PostgreSQL sessions (backend pids) a test's connections are: the shared helpers of the jdbc tests. */
final class Sessions {

    private Sessions() {
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
