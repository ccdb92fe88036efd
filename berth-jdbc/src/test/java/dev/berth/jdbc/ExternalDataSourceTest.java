package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Needs PostgreSQL: 127.0.0.1:5432 when it answers, else the embedded one (see {@link TestPostgres}). */
class ExternalDataSourceTest {

    @Test
    void physicalConnectionsCanComeFromAnotherDataSource() throws Exception {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setUrl(TestPostgres.jdbcUrl());
        source.setUser(TestPostgres.user());
        source.setApplicationName("external-source-test");
        try (BerthDataSource db = new BerthDataSource()) {
            db.setDataSource(source);
            db.setMaximumPoolSize(1);
            try (Connection c = db.getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_setting('application_name')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("external-source-test");
            }
            assertThat(db.stats().created()).isEqualTo(1);
        }
    }

    @Test
    void withNeitherUrlNorDataSourceStartFailsNamingJdbcUrl() {
        try (BerthDataSource db = new BerthDataSource()) {
            assertThatThrownBy(db::getConnection).hasMessageContaining("jdbcUrl");
        }
    }
}
