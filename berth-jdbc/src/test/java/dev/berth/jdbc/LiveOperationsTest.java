package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.DrainReport;
import dev.berth.testing.TestPostgres;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * A running BerthDataSource operated as in production, against the real PostgreSQL: HikariCP-named setters that
 * change the live pool, the pool's MXBean through the platform MBean server, suspend/resume, and the graceful close.
 */
class LiveOperationsTest {
    private static final String SECRET = "berth-live-secret-7QzOtter";
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static BerthDataSource dataSource(String name, int size) {
        return BerthDataSource.builder().jdbcUrl(TestPostgres.jdbcUrl()).username(TestPostgres.user())
                .password(SECRET) // the test server trusts local connections: never asked for, but known to the pool
                .poolName(name).maximumPoolSize(size).minimumIdle(0).build();
    }

    private static int selectOne(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void sizesAndTimeoutsChangeOnTheRunningPoolAndFrozenSettingsStillRefuse() throws Exception {
        try (BerthDataSource ds = dataSource("live-settings", 2)) {
            List<Connection> held = new ArrayList<>();
            held.add(ds.getConnection());
            held.add(ds.getConnection());

            ds.setMaximumPoolSize(4);
            held.add(ds.getConnection()); // served at once by the raised maximum
            held.add(ds.getConnection());
            assertThat(ds.getMaximumPoolSize()).isEqualTo(4);
            assertThat(ds.stats().total()).isEqualTo(4);

            ds.setConnectionTimeout(100);
            assertThat(ds.getConnectionTimeout()).isEqualTo(100);
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("connectionTimeout=100 ms, maximumPoolSize=4");

            ds.setMaximumPoolSize(1); // never below what is borrowed: they close as they come back
            assertThat(ds.stats().total()).isEqualTo(4);
            for (Connection c : held) {
                c.close();
            }
            await().until(() -> ds.stats().total() == 1);

            assertThatThrownBy(() -> ds.setMaximumPoolSize(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maximumPoolSize");
            assertThat(ds.getMaximumPoolSize()).isEqualTo(1);
            assertThatThrownBy(() -> ds.setJdbcUrl(TestPostgres.jdbcUrl())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("jdbcUrl cannot change");
            try (Connection c = ds.getConnection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
    }

    @Test
    void theMxBeanDrivesThePoolAndShowsNoSecret() throws Exception {
        try (BerthDataSource ds = dataSource("live-jmx", 3)) {
            ds.setRegisterMbeans(true);
            ds.start();
            ObjectName name = new ObjectName("dev.berth:type=Pool,name=live-jmx");
            assertThat(server.isRegistered(name)).isTrue();

            server.setAttribute(name, new Attribute("MaxSize", 5));
            assertThat(ds.getMaximumPoolSize()).as("the data source's getter follows JMX").isEqualTo(5);
            try (Connection c = ds.getConnection()) {
                assertThat(server.getAttribute(name, "Leased")).isEqualTo(1);
            }
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                assertThat(String.valueOf(server.getAttribute(name, attribute.getName())))
                        .as(attribute.getName()).doesNotContain(SECRET);
            }
            assertThat((String) server.invoke(name, "report", null, null)).contains("live-jmx").doesNotContain(SECRET);

            server.invoke(name, "suspend", null, null);
            assertThat(ds.isSuspended()).isTrue();
            ds.setConnectionTimeout(100);
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("suspended");
            ds.resume();
            try (Connection c = ds.getConnection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
        assertThat(server.isRegistered(new ObjectName("dev.berth:type=Pool,name=live-jmx"))).as("gone at close").isFalse();
    }

    @Test
    void aGracefulCloseServesTheWaitingBorrowersAndRefusesNewOnes() throws Exception {
        BerthDataSource ds = dataSource("live-drain", 2);
        List<Connection> held = List.of(ds.getConnection(), ds.getConnection());
        AtomicInteger served = new AtomicInteger();
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(CompletableFuture.runAsync(() -> {
                try (Connection c = ds.getConnection()) {
                    served.addAndGet(selectOne(c));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable)));
        }
        await().until(() -> ds.stats().waiting() == 50);
        CompletableFuture<DrainReport> closing = CompletableFuture.supplyAsync(() -> ds.close(Duration.ofSeconds(30)));
        await().untilAsserted(() -> assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLNonTransientConnectionException.class).hasMessageContaining("is closing"));
        for (Connection c : held) {
            c.close();
        }
        DrainReport report = closing.get(30, TimeUnit.SECONDS);
        CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(served).hasValue(50);
        assertThat(report.clean()).as(report.toString()).isTrue();
        assertThat(report.waitingAtStart()).isEqualTo(50);
        assertThat(ds.isClosed()).isTrue();
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("is closed");
    }
}
