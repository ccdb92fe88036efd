package dev.berth.bench.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.berth.jdbc.BerthDataSource;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * A pool measured through the switchover, configured like the other: 10 connections, a 2 s connection timeout, the
 * pair's multi-host URL and the same pgjdbc properties; every other setting at the pool's default, as a typical user
 * leaves it (HikariCP: keepaliveTime 2 min, maxLifetime 30 min, idleTimeout 10 min; berth takes the same defaults).
 */
enum Contender {

    BERTH("berth") {
        @Override
        DataSource open(String url, String user, String poolName) {
            return BerthDataSource.builder()
                    .jdbcUrl(url)
                    .username(user)
                    .poolName(poolName)
                    .maximumPoolSize(POOL_SIZE)
                    .connectionTimeout(CONNECTION_TIMEOUT_MILLIS)
                    .dataSourceProperties(pgjdbcProperties())
                    .build();
        }
    },

    HIKARI("HikariCP") {
        @Override
        DataSource open(String url, String user, String poolName) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername(user);
            config.setPoolName(poolName);
            config.setMaximumPoolSize(POOL_SIZE);
            config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
            config.setDataSourceProperties(pgjdbcProperties());
            return new HikariDataSource(config);
        }
    };

    static final int POOL_SIZE = 10;
    static final long CONNECTION_TIMEOUT_MILLIS = 2_000;

    private final String label;

    Contender(String label) {
        this.label = label;
    }

    /**
     * Opens the pool; the caller closes it ({@link AutoCloseable}: both data sources are).
     *
     * @param url the pair's multi-host URL ({@code targetServerType=primary})
     */
    abstract DataSource open(String url, String user, String poolName);

    /** @return the contender's name in the report */
    String label() {
        return label;
    }

    /**
     * pgjdbc's own settings, the same for both pools. {@code hostRecheckSeconds} is pgjdbc's default (10), named so the
     * report says what ran: pgjdbc remembers a host's role that long, and tries every host when none is known to fit.
     */
    static Properties pgjdbcProperties() {
        Properties properties = new Properties();
        properties.setProperty("hostRecheckSeconds", "10");
        return properties;
    }
}
