package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test server itself. Needs PostgreSQL (local or embedded). */
class TestPostgresTest {

    @Test
    void theTestServerAnswersQueries() throws Exception {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select 41 + 1, current_setting('server_version')")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
            System.out.println("integration tests run on " + (TestPostgres.embedded() ? "an embedded" : "the local")
                    + " PostgreSQL " + rs.getString(2) + " at " + TestPostgres.jdbcUrl());
        }
    }

    @Test
    void berthTestEmbeddedPgForcesTheEmbeddedServer() {
        assumeTrue("1".equals(System.getenv("BERTH_TEST_EMBEDDED_PG")), "BERTH_TEST_EMBEDDED_PG=1 is not set");

        assertThat(TestPostgres.embedded()).isTrue();
        assertThat(TestPostgres.jdbcUrl()).doesNotContain(":5432/");
    }
}
