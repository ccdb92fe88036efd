package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FaultProxy} between pgjdbc and the test PostgreSQL ({@link TestPostgres}: the local server on
 * 127.0.0.1:5432, or an embedded one): what the driver does under each fault, with which bound.
 */
class FaultProxyPostgresTest {

    private static final URI SERVER = URI.create(TestPostgres.jdbcUrl().substring("jdbc:".length()));
    private static final String DRIVER_CONNECT_THREAD = "PostgreSQL JDBC driver connection thread";

    private FaultProxy proxy;

    @BeforeEach
    void startProxy() {
        proxy = FaultProxy.start(SERVER.getHost(), SERVER.getPort());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    @Test
    void selectOneWorksThroughThePassingProxy() throws SQLException {
        try (Connection c = connect("")) {
            assertThat(selectOne(c)).isEqualTo(1);
        }
        assertThat(proxy.bytesUp()).isPositive();
        assertThat(proxy.bytesDown()).isPositive();
    }

    @Test
    void underBlackholeAQueryFailsOnceTheSocketTimeoutHasPassed() throws SQLException {
        try (Connection c = connect("socketTimeout=1")) {
            assertThat(selectOne(c)).isEqualTo(1);

            proxy.blackhole();
            long start = System.nanoTime();
            assertThatThrownBy(() -> selectOne(c)).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("08006")); // connection failure
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        }
    }

    @Test
    void afterResetAllTheConnectionIsBrokenAndANewOneWorks() throws SQLException {
        try (Connection broken = connect("")) {
            assertThat(selectOne(broken)).isEqualTo(1);

            proxy.resetAll();

            assertThat(broken.isValid(1)).isFalse();
            assertThatThrownBy(() -> selectOne(broken)).isInstanceOf(SQLException.class);
        }
        try (Connection fresh = connect("")) {
            assertThat(selectOne(fresh)).isEqualTo(1);
        }
    }

    @Test
    void underBlackholeConnectingFailsAtTheLoginTimeoutNotTheConnectTimeout() {
        // The TCP connect to the proxy succeeds at once, so connectTimeout=1 bounds nothing here; the startup
        // exchange that follows is bounded only by loginTimeout (and, for the SSLRequest, sslResponseTimeout: 5 s).
        proxy.blackhole();
        long start = System.nanoTime();

        assertThatThrownBy(() -> connect("connectTimeout=1&loginTimeout=2")).isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getMessage()).isEqualTo("Connection attempt timed out."));
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(1900), Duration.ofSeconds(4));
    }

    @Test
    void aLoginTimeoutLeavesTheDriversConnectThreadBlockedUntilTheSocketCloses() throws Exception {
        // pgjdbc runs a connect with loginTimeout on its own platform thread and, on timeout, abandons it there:
        // interrupting a platform thread does not end a blocking socket read. Without sslmode=disable the thread
        // would also end after sslResponseTimeout (5 s) when its plain-text retry fails, which is not certain.
        proxy.acceptButNeverAnswer();
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Connection c = connect("loginTimeout=1&sslmode=disable")) {
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
        List<Thread> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().equals(DRIVER_CONNECT_THREAD))
                .toList();
        assertThat(left).hasSize(1).allMatch(Thread::isAlive);

        proxy.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> !left.getFirst().isAlive());
    }

    private Connection connect(String properties) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + SERVER.getPath()
                + "?" + properties, TestPostgres.user(), "");
    }

    private static int selectOne(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
