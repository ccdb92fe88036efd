package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The promise "migrate from HikariCP by changing one class name", checked against HikariCP itself. No server needed. */
class HikariCompatibilityTest {

    private static Properties hikariConfiguration() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", "jdbc:postgresql://db.internal:5432/orders");
        p.setProperty("username", "orders");
        p.setProperty("password", "not-a-secret");
        p.setProperty("driverClassName", "org.postgresql.Driver");
        p.setProperty("maximumPoolSize", "12");
        p.setProperty("minimumIdle", "3");
        p.setProperty("connectionTimeout", "4000");
        p.setProperty("idleTimeout", "300000");
        p.setProperty("maxLifetime", "900000");
        p.setProperty("keepaliveTime", "60000");
        p.setProperty("validationTimeout", "2500");
        p.setProperty("leakDetectionThreshold", "20000");
        p.setProperty("poolName", "orders-db");
        p.setProperty("autoCommit", "false");
        p.setProperty("readOnly", "true");
        p.setProperty("transactionIsolation", "TRANSACTION_REPEATABLE_READ");
        p.setProperty("schema", "sales");
        p.setProperty("connectionInitSql", "SET lock_timeout = '2s'");
        p.setProperty("dataSource.sslmode", "disable");
        return p;
    }

    @Test
    void aHikariConfigurationLoadsUnchangedWithTheSameMeaning() {
        HikariConfig hikari = new HikariConfig(hikariConfiguration());
        BerthDataSource berth = new BerthDataSource(hikariConfiguration());

        assertThat(berth.getJdbcUrl()).isEqualTo(hikari.getJdbcUrl());
        assertThat(berth.getUsername()).isEqualTo(hikari.getUsername());
        assertThat(berth.getPassword()).isEqualTo(hikari.getPassword());
        assertThat(berth.getDriverClassName()).isEqualTo(hikari.getDriverClassName());
        assertThat(berth.getMaximumPoolSize()).isEqualTo(hikari.getMaximumPoolSize());
        assertThat(berth.getMinimumIdle()).isEqualTo(hikari.getMinimumIdle());
        assertThat(berth.getConnectionTimeout()).isEqualTo(hikari.getConnectionTimeout());
        assertThat(berth.getIdleTimeout()).isEqualTo(hikari.getIdleTimeout());
        assertThat(berth.getMaxLifetime()).isEqualTo(hikari.getMaxLifetime());
        assertThat(berth.getKeepaliveTime()).isEqualTo(hikari.getKeepaliveTime());
        assertThat(berth.getValidationTimeout()).isEqualTo(hikari.getValidationTimeout());
        assertThat(berth.getLeakDetectionThreshold()).isEqualTo(hikari.getLeakDetectionThreshold());
        assertThat(berth.getPoolName()).isEqualTo(hikari.getPoolName());
        assertThat(berth.isAutoCommit()).isEqualTo(hikari.isAutoCommit());
        assertThat(berth.isReadOnly()).isEqualTo(hikari.isReadOnly());
        assertThat(berth.getTransactionIsolation()).isEqualTo(hikari.getTransactionIsolation());
        assertThat(berth.getSchema()).isEqualTo(hikari.getSchema());
        assertThat(berth.getConnectionInitSql()).isEqualTo(hikari.getConnectionInitSql());
        assertThat(berth.getDataSourceProperties()).isEqualTo(hikari.getDataSourceProperties());
    }

    @Test
    void defaultsMatchHikariDefaults() {
        HikariConfig hikari = new HikariConfig();
        BerthDataSource berth = new BerthDataSource();

        assertThat(berth.getConnectionTimeout()).isEqualTo(hikari.getConnectionTimeout());
        assertThat(berth.getIdleTimeout()).isEqualTo(hikari.getIdleTimeout());
        assertThat(berth.getMaxLifetime()).isEqualTo(hikari.getMaxLifetime());
        assertThat(berth.getKeepaliveTime()).isEqualTo(hikari.getKeepaliveTime());
        assertThat(berth.getValidationTimeout()).isEqualTo(hikari.getValidationTimeout());
        assertThat(berth.getLeakDetectionThreshold()).isEqualTo(hikari.getLeakDetectionThreshold());
        assertThat(berth.isAutoCommit()).isEqualTo(hikari.isAutoCommit());
        assertThat(berth.isReadOnly()).isEqualTo(hikari.isReadOnly());
    }
}
