package dev.berth.jdbc;

import dev.berth.testing.CallerLoad;
import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.sql.DataSource;

/** The failure tests' load on PostgreSQL: callers inserting fresh ids, one borrowed connection per insert (autocommit). */
final class InsertLoad {

    private InsertLoad() {
    }

    /**
     * @param table a table with an {@code id bigint} key
     * @return {@code callers} virtual threads inserting into it; an id is acknowledged once the server committed it
     */
    static CallerLoad start(DataSource ds, String table, int callers) {
        String sql = "insert into " + table + " (id) values (?)";
        return CallerLoad.start("insert-" + table, callers, id -> {
            try (Connection c = ds.getConnection(); PreparedStatement insert = c.prepareStatement(sql)) {
                insert.setLong(1, id);
                insert.executeUpdate();
            }
        });
    }
}
