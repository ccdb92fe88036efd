package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** Needs PostgreSQL (local or embedded). */
class TestPostgresTest {

    @Test
    void theTestServerAnswersQueries() throws Exception {
        try (Connection c = TestPostgres.plainConnection(); ResultSet rs = c.createStatement().executeQuery("select 41 + 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }
}
