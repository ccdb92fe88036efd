package dev.berth.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.jdbc.BerthDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@link BerthDataSource} metered through its pool listener, against the real PostgreSQL on 127.0.0.1:5432
 * (database {@code test}, user {@code postgres}, trust auth). Skipped when no PostgreSQL answers there.
 */
class BerthDataSourceMetricsTest {
    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String LABELS = "{kind=\"jdbc\",pool=\"orders-db\"}";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private BerthDataSource dataSource;

    @BeforeAll
    static void postgresAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 5432), 500);
        } catch (IOException e) {
            assumeTrue(false, "no PostgreSQL answers on 127.0.0.1:5432: " + e.getMessage());
        }
    }

    @AfterEach
    void closeDataSource() {
        if (dataSource != null) {
            dataSource.close();
        }
    }

    private BerthDataSource dataSource(String poolName, long connectionTimeoutMillis) {
        dataSource = BerthDataSource.builder().jdbcUrl(URL).username("postgres").maximumPoolSize(2).minimumIdle(2)
                .connectionTimeout(connectionTimeoutMillis).poolName(poolName).build();
        return dataSource;
    }

    /** The idiom in PoolMetrics' javadoc for a pool someone else owns and starts. */
    private PoolMetrics meter(BerthDataSource ds) {
        return PoolMetrics.install(registry, ds.getPoolName(), "jdbc", ds::setPoolListener, ds::stats);
    }

    private static int selectOne(Connection connection) throws Exception {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void queriesTimeoutsAndCloseShowInTheScrapeWithExactCounts() throws Exception {
        BerthDataSource ds = dataSource("orders-db", 300); // short, for the forced timeout below
        meter(ds);
        ds.start();
        // both connections open before the workload, so no borrow waits for a (slow) connect and times out
        await().atMost(Duration.ofSeconds(10)).until(() -> ds.stats().idle() == 2);
        for (int i = 0; i < 50; i++) {
            try (Connection c = ds.getConnection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
        String whileHeld;
        try (Connection a = ds.getConnection(); Connection b = ds.getConnection()) {
            assertThat(selectOne(a) + selectOne(b)).isEqualTo(2);
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class);
            whileHeld = registry.scrape();
        }
        long created = ds.stats().created();
        ds.close();
        String afterClose = registry.scrape();

        assertThat(whileHeld.lines()).contains(
                "berth_pool_acquire_seconds_count" + LABELS + " 52",
                "berth_pool_hold_seconds_count" + LABELS + " 50",
                "berth_pool_timeouts_total" + LABELS + " 1.0",
                "berth_pool_resources_leased" + LABELS + " 2.0",
                "berth_pool_resources" + LABELS + " 2.0",
                "berth_pool_resources_max" + LABELS + " 2.0",
                "berth_pool_creation_failures_total" + LABELS + " 0.0");
        assertThat(afterClose.lines()).contains(
                "berth_pool_hold_seconds_count" + LABELS + " 52",
                "berth_pool_creations_total" + LABELS + " " + (double) created,
                "berth_pool_destructions_total{kind=\"jdbc\",pool=\"orders-db\",reason=\"closed\"} " + (double) created);
    }

    @Test
    void theOpenTelemetryNamesShowTheSameWorkloadInTheScrape() throws Exception {
        BerthDataSource ds = dataSource("orders-db", 300);
        meter(ds);
        ds.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> ds.stats().idle() == 2);
        for (int i = 0; i < 10; i++) {
            try (Connection c = ds.getConnection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
        String whileHeld;
        try (Connection a = ds.getConnection(); Connection b = ds.getConnection()) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class);
            whileHeld = registry.scrape();
        }
        long created = ds.stats().created();

        String name = "{db_client_connection_pool_name=\"orders-db\"}";
        assertThat(whileHeld.lines()).contains(
                "db_client_connection_count{db_client_connection_pool_name=\"orders-db\",db_client_connection_state=\"used\"} 2.0",
                "db_client_connection_count{db_client_connection_pool_name=\"orders-db\",db_client_connection_state=\"idle\"} 0.0",
                "db_client_connection_max" + name + " 2.0",
                "db_client_connection_idle_min" + name + " 2.0",
                "db_client_connection_idle_max" + name + " 2.0",
                "db_client_connection_pending_requests" + name + " 0.0",
                "db_client_connection_timeouts_total" + name + " 1.0",
                "db_client_connection_wait_time_seconds_count" + name + " 12",
                "db_client_connection_use_time_seconds_count" + name + " 10",
                "db_client_connection_create_time_seconds_count" + name + " " + created);
        // a real login takes measurable time: the creations' total is not zero
        assertThat(registry.get(PoolMeters.CREATE_TIME).tag(PoolMeters.POOL_NAME_TAG, "orders-db").timer()
                .totalTime(java.util.concurrent.TimeUnit.MICROSECONDS)).isGreaterThan(created);
    }

    @Test
    void aConnectionLeftBrokenIsCountedAsDestroyedForTheReasonBroken() throws Exception {
        BerthDataSource ds = dataSource("orders-db", 5_000);
        meter(ds);
        try (Connection c = ds.getConnection()) {
            int pid;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try (Connection side = DriverManager.getConnection(URL, "postgres", "");
                 Statement st = side.createStatement()) {
                st.execute("select pg_terminate_backend(" + pid + ")");
            }
            assertThatThrownBy(() -> selectOne(c)).isInstanceOf(SQLException.class); // the server ended this session
        }
        try (Connection c = ds.getConnection()) {
            assertThat(selectOne(c)).isEqualTo(1);
        }
        ds.close();

        assertThat(registry.get(PoolMeters.DESTRUCTIONS).tags("pool", "orders-db", "reason", "broken").counter().count())
                .isEqualTo(1);
    }

    @Test
    void installingOnAStartedDataSourceFailsAndLeavesNoMeters() {
        BerthDataSource ds = dataSource("orders-db", 5_000);
        ds.start();

        assertThatThrownBy(() -> meter(ds))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("metrics for pool 'orders-db' could not be installed")
                .hasMessageContaining("poolListener cannot change")
                .hasMessageContaining("before the pool starts");
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void installingOnADataSourceWithoutAPoolNameAsksForOneAndLeavesNoMeters() {
        BerthDataSource ds = dataSource(null, 5_000);

        assertThatThrownBy(() -> PoolMetrics.install(registry, "orders-db", "jdbc", ds::setPoolListener, ds::stats))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BerthDataSource.setPoolName");
        assertThat(registry.getMeters()).isEmpty();
    }
}
