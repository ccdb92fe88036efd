package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.PostgresPair;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Credentials the server rejects (SQLSTATE 28P01), injected for real: the primary of a {@link PostgresPair} asks every
 * TCP login for a SCRAM password except the pair's own ({@code postgres} from 127.0.0.1, which its methods need), and
 * the role {@code app} has one. Skipped, saying why, when the machine has no PostgreSQL server binaries.
 *
 * <p>What a caller sees: with a wrong password {@code getConnection()} fails after the attempts already under way,
 * well under {@code createTimeout} and {@code connectionTimeout}, with the server's reason and SQLSTATE, and the
 * password appears nowhere. A password changed on the server (rotation) does not touch open sessions, since
 * PostgreSQL checks passwords only at login; only new connections fail, after {@code evict()} or as the pool replaces
 * connections. A static password cannot change while the pool runs: a rotation needs a {@link CredentialsProvider}
 * ({@code CredentialsProviderTest}) or a new data source.
 */
class CredentialsRejectedTest {

    private static final String ROLE = "app";
    private static final String PASSWORD = "berth-right-7QxHorse";
    private static final String WRONG_PASSWORD = "berth-wrong-9KdStaple";
    private static final String ROTATED_PASSWORD = "berth-rotated-3VbLantern";
    private static final int POOL_SIZE = 4;
    private static final long CONNECTION_TIMEOUT_MS = 5_000;
    private static final long CREATE_TIMEOUT_MS = 3_000;
    private static final String SERVERS_REASON = "password authentication failed for user \"" + ROLE + "\"";

    private static PostgresPair pair;

    /** Held strongly: java.util.logging forgets loggers nobody references, and their handlers with them. */
    private final Logger berthLogger = Logger.getLogger("dev.berth");
    private final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord record) { logs.add(record); }
        @Override public void flush() { }
        @Override public void close() { }
    };
    private final List<BerthDataSource> dataSources = new ArrayList<>();

    @BeforeAll
    static void startAPrimaryThatAsksForPasswords() throws Exception {
        String reason = PostgresPair.unavailableReason();
        if (reason != null) {
            System.err.println("CredentialsRejectedTest skipped: " + reason);
        }
        assumeTrue(reason == null, () -> "credentials tests skipped: " + reason);
        pair = PostgresPair.start();
        pair.replacePrimaryHba(
                "local all all trust",
                "host all postgres 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 scram-sha-256");
        try (Connection admin = pair.primaryConnection(); Statement s = admin.createStatement()) {
            s.execute("set password_encryption = 'scram-sha-256'");
            s.execute("create role " + ROLE + " login password '" + PASSWORD + "'");
        }
    }

    @AfterAll
    static void stopThePrimary() {
        if (pair != null) {
            pair.close();
        }
    }

    @BeforeEach
    void theRightPasswordIsTheOriginalOne() throws SQLException {
        setServerPassword(PASSWORD);
        berthLogger.addHandler(capture);
    }

    @AfterEach
    void closeDataSources() {
        berthLogger.removeHandler(capture);
        dataSources.forEach(BerthDataSource::close);
    }

    @Test
    void aWrongPasswordFailsAtOnceWithTheServersReason(TestInfo test) {
        BerthDataSource dataSource = pool(test, WRONG_PASSWORD, CONNECTION_TIMEOUT_MS);

        long start = System.nanoTime();
        SQLException failure = catchThrowableOfType(SQLException.class, dataSource::getConnection);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat((Throwable) failure).as("getConnection() with a wrong password").isNotNull();
        assertThat(failure.getSQLState()).as("SQLSTATE of the failure").isEqualTo("28P01");
        assertThat(failure.getMessage()).contains(SERVERS_REASON)
                .contains("Check that the server is reachable and the credentials are right");
        assertThat(serverStateBelow(failure)).as("SQLSTATE of pgjdbc's error in the cause chain").isEqualTo("28P01");
        assertThat(took).as("wait for a pool that can create nothing (createTimeout %d ms, connectionTimeout %d ms)",
                        CREATE_TIMEOUT_MS, CONNECTION_TIMEOUT_MS)
                .isLessThan(Duration.ofMillis(CREATE_TIMEOUT_MS))
                .isLessThan(Duration.ofMillis(CONNECTION_TIMEOUT_MS));
        assertThat(dataSource.stats().leased()).as("leased after the failure").isZero();
        assertThat(dataSource.stats().total()).as("connections after the failure").isZero();
        System.out.printf("wrong password: getConnection() failed after %d ms (%d creation attempts had failed by then)%n",
                took.toMillis(), dataSource.stats().creationFailures());
    }

    @Test
    void aWrongPasswordAppearsInNoMessageReportOrLog(TestInfo test) {
        BerthDataSource dataSource = pool(test, WRONG_PASSWORD, CONNECTION_TIMEOUT_MS);

        SQLException failure = catchThrowableOfType(SQLException.class, dataSource::getConnection);

        assertThat((Throwable) failure).as("getConnection() with a wrong password").isNotNull();
        String stackTrace = stackTrace(failure);
        assertThat(stackTrace).as("messages along the cause chain, printed").contains(SERVERS_REASON).doesNotContain(WRONG_PASSWORD);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).as("message of %s", t.getClass().getName()).doesNotContain(WRONG_PASSWORD);
        }
        assertThat(dataSource.toString()).contains("password=<masked>").doesNotContain(WRONG_PASSWORD);
        assertThat(dataSource.report().lastCreationFailure()).contains(SERVERS_REASON).doesNotContain(WRONG_PASSWORD);
        assertThat(dataSource.report().toString()).doesNotContain(WRONG_PASSWORD);
        assertThat(dataSource.stats().toString()).doesNotContain(WRONG_PASSWORD);
        List<String> logged = logs.stream().map(CredentialsRejectedTest::text).toList();
        assertThat(logged).as("berth's log lines").anySatisfy(line -> assertThat(line).contains(SERVERS_REASON))
                .allSatisfy(line -> assertThat(line).doesNotContain(WRONG_PASSWORD));
    }

    @Test
    void connectionsOpenedBeforeThePasswordChangedKeepWorking(TestInfo test) throws SQLException {
        BerthDataSource dataSource = pool(test, PASSWORD, CONNECTION_TIMEOUT_MS);
        Set<Integer> before = Sessions.backendPidsOfEveryConnection(dataSource, POOL_SIZE);

        setServerPassword(ROTATED_PASSWORD);
        Set<Integer> after = Sessions.backendPidsOfEveryConnection(dataSource, POOL_SIZE);

        assertThat(before).hasSize(POOL_SIZE);
        assertThat(after).as("the same sessions serve after the password changed").isEqualTo(before);
        assertThat(dataSource.stats().creationFailures()).isZero();
        assertThat(dataSource.stats().destroyed()).isZero();
    }

    @Test
    void afterEvictNewConnectionsFailAtOnceWithTheServersReason(TestInfo test) throws SQLException {
        BerthDataSource dataSource = pool(test, PASSWORD, CONNECTION_TIMEOUT_MS);
        Sessions.backendPidsOfEveryConnection(dataSource, POOL_SIZE);
        setServerPassword(ROTATED_PASSWORD);

        dataSource.evict();
        long start = System.nanoTime();
        SQLException failure = catchThrowableOfType(SQLException.class, dataSource::getConnection);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat((Throwable) failure).as("getConnection() after evict() with a rotated password").isNotNull();
        assertThat(failure.getSQLState()).isEqualTo("28P01");
        assertThat(failure.getMessage()).contains("has no resource it can lend and could not create one").contains(SERVERS_REASON)
                .contains("Check that the server is reachable and the credentials are right");
        assertThat(took).as("wait once every connection was evicted (createTimeout %d ms)", CREATE_TIMEOUT_MS)
                .isLessThan(Duration.ofMillis(CREATE_TIMEOUT_MS));
        assertThat(dataSource.stats().total()).as("connections left").isZero();
        assertThat(dataSource.stats().destroyed()).as("evicted connections closed").isEqualTo(POOL_SIZE);
        System.out.printf("rotated password, after evict(): getConnection() failed after %d ms%n", took.toMillis());
    }

    @Test
    void whileAnEvictedConnectionIsStillBorrowedCallersFailAtOnceAllTheSame(TestInfo test) throws SQLException {
        long connectionTimeout = 1_500;
        BerthDataSource dataSource = pool(test, PASSWORD, connectionTimeout);
        Sessions.backendPidsOfEveryConnection(dataSource, POOL_SIZE);
        try (Connection held = dataSource.getConnection()) {
            setServerPassword(ROTATED_PASSWORD);
            dataSource.evict();

            long start = System.nanoTime();
            SQLException failure = catchThrowableOfType(SQLException.class, dataSource::getConnection);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            // the borrowed connection was condemned by evict(): it will be destroyed, never lent, so nobody waits for it
            assertThat((Throwable) failure).as("getConnection() while an evicted connection is borrowed").isNotNull();
            assertThat(took).as("wait, far below connectionTimeout (%d ms)", connectionTimeout)
                    .isLessThan(Duration.ofMillis(connectionTimeout / 2));
            assertThat(failure.getSQLState()).isEqualTo("28P01");
            assertThat(failure.getMessage()).contains(SERVERS_REASON).contains("could not create one");
            assertThat(serverStateBelow(failure)).as("SQLSTATE of pgjdbc's error in the cause chain").isEqualTo("28P01");
            assertThat(Sessions.backendPid(held)).as("the borrowed session still works").isPositive();
            System.out.printf("rotated password, after evict() with one connection still borrowed: getConnection() failed"
                    + " after %d ms (connectionTimeout %d ms): %s%n", took.toMillis(), connectionTimeout, failure.getMessage());
        }
    }

    /**
     * Without a {@link CredentialsProvider} (see {@code CredentialsProviderTest}): the settings are frozen once the pool runs,
     * so the new password goes to a new data source; the old one's open sessions keep serving until it is closed.
     */
    @Test
    void todayANewPasswordNeedsANewDataSource(TestInfo test) throws SQLException {
        BerthDataSource old = pool(test, PASSWORD, CONNECTION_TIMEOUT_MS);
        Set<Integer> oldSessions = Sessions.backendPidsOfEveryConnection(old, POOL_SIZE);
        setServerPassword(ROTATED_PASSWORD);

        assertThatThrownBy(() -> old.setPassword(ROTATED_PASSWORD))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("password cannot change")
                .hasMessageNotContaining(ROTATED_PASSWORD);
        BerthDataSource replacement = pool(test, ROTATED_PASSWORD, CONNECTION_TIMEOUT_MS);
        Set<Integer> newSessions = Sessions.backendPidsOfEveryConnection(replacement, POOL_SIZE);

        assertThat(newSessions).hasSize(POOL_SIZE).doesNotContainAnyElementsOf(oldSessions);
        assertThat(Sessions.backendPidsOfEveryConnection(old, POOL_SIZE)).as("the old pool's sessions until it is closed").isEqualTo(oldSessions);
        old.close();
        assertThat(old.stats().total()).isZero();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private BerthDataSource pool(TestInfo test, String password, long connectionTimeout) {
        BerthDataSource dataSource = BerthDataSource.builder()
                .jdbcUrl(pair.primaryJdbcUrl())
                .username(ROLE)
                .password(password)
                .poolName("creds-" + test.getTestMethod().orElseThrow().getName() + "-" + dataSources.size())
                .maximumPoolSize(POOL_SIZE)
                .connectionTimeout(connectionTimeout)
                .createTimeout(CREATE_TIMEOUT_MS)
                .build();
        dataSources.add(dataSource);
        return dataSource;
    }

    private static void setServerPassword(String password) throws SQLException {
        try (Connection admin = pair.primaryConnection(); Statement s = admin.createStatement()) {
            s.execute("alter role " + ROLE + " password '" + password + "'");
        }
    }

    /** @return the SQLSTATE of the first SQLException below the top one in the cause chain (pgjdbc's), or null */
    private static String serverStateBelow(SQLException top) {
        for (Throwable t = top.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static String text(LogRecord record) {
        return record.getMessage() + (record.getThrown() == null ? "" : "\n" + stackTrace(record.getThrown()));
    }
}
