package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.pool.PoolStats;
import dev.berth.testing.CallerLoad;
import dev.berth.testing.PostgresPair;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credentials that rotate while the pool runs, against a real server that asks for SCRAM passwords (the primary of
 * a {@link PostgresPair}; skipped, saying why, without PostgreSQL binaries): the provider is asked for every new
 * connection, a rotation under 200 virtual threads fails no request, a failing provider fails the caller at once
 * with its failure as the cause, and no secret appears in any message, report or log line.
 */
class CredentialsProviderTest {

    private static final String ROLE = "rotating";
    private static final String FIRST = "berth-first-5TyWalrus";
    private static final String SECOND = "berth-second-8PqCactus";
    private static final int POOL_SIZE = 4;
    private static PostgresPair pair;

    /** Held strongly: java.util.logging forgets loggers nobody references, and their handlers with them. */
    private final Logger berthLogger = Logger.getLogger("dev.berth");
    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord record) { logs.add(String.valueOf(record.getMessage()) + record.getThrown()); }
        @Override public void flush() { }
        @Override public void close() { }
    };
    /** What the secret store holds now; the provider reads it for each new connection. */
    private final AtomicReference<String> secret = new AtomicReference<>(FIRST);
    private final List<String> handedOut = new CopyOnWriteArrayList<>();
    private final CredentialsProvider provider = () -> {
        String password = secret.get();
        handedOut.add(password);
        return new CredentialsProvider.Credentials(ROLE, password);
    };
    private BerthDataSource ds;
    private CallerLoad load;

    @BeforeAll
    static void startAPrimaryThatAsksForPasswords() throws Exception {
        String reason = PostgresPair.unavailableReason();
        assumeTrue(reason == null, () -> "credentials provider tests skipped: " + reason);
        pair = PostgresPair.start();
        pair.replacePrimaryHba("local all all trust", "host all postgres 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 scram-sha-256");
        try (Connection admin = pair.primaryConnection(); Statement s = admin.createStatement()) {
            s.execute("set password_encryption = 'scram-sha-256'");
            s.execute("create role " + ROLE + " login password '" + FIRST + "'");
            s.execute("create table rotation (id bigint primary key)");
            s.execute("grant insert, select on rotation to " + ROLE);
        }
    }

    @AfterAll
    static void stopThePrimary() {
        if (pair != null) {
            pair.close();
        }
    }

    @BeforeEach
    void firstPassword() throws SQLException {
        setServerPassword(FIRST);
        berthLogger.addHandler(capture);
    }

    @AfterEach
    void close() throws Exception {
        if (load != null) {
            load.stop();
        }
        if (ds != null) {
            ds.close();
        }
        berthLogger.removeHandler(capture);
    }

    private static void setServerPassword(String password) throws SQLException {
        try (Connection admin = pair.primaryConnection(); Statement s = admin.createStatement()) {
            s.execute("alter role " + ROLE + " password '" + password + "'");
        }
    }

    private BerthDataSource pool(CredentialsProvider credentials) {
        return BerthDataSource.builder().jdbcUrl(pair.primaryJdbcUrl()).poolName("rotating")
                .maximumPoolSize(POOL_SIZE).connectionTimeout(5_000).credentialsProvider(credentials).build();
    }

    @Test
    void everyNewConnectionAsksTheProvider() throws SQLException {
        ds = pool(provider);
        Set<Integer> sessions = Sessions.backendPidsOfEveryConnection(ds, POOL_SIZE);

        assertThat(sessions).hasSize(POOL_SIZE);
        assertThat(handedOut).as("one answer per connection opened").hasSize((int) ds.stats().created());
        assertThat(ds.toString()).contains("<from credentialsProvider>").doesNotContain(FIRST);
    }

    /**
     * The order of a real rotation: the server gets the new password first (open sessions keep working, as
     * PostgreSQL checks passwords only at login), then the secret store, then the pool is evicted so every
     * connection is opened anew with it. 200 virtual threads write throughout; none fails.
     */
    @Test
    void aRotationUnderLoadFailsNoRequestAndMovesEveryConnectionToTheNewSecret() throws Exception {
        ds = pool(provider);
        load = InsertLoad.start(ds, "rotation", 200);
        load.awaitSuccesses(500);

        setServerPassword(SECOND);
        secret.set(SECOND);
        long rotated = System.nanoTime();
        int before = handedOut.size();
        ds.evict();
        load.healedAt(rotated);
        await("the pool reopens every connection with the new secret").atMost(Duration.ofSeconds(10))
                .until(() -> handedOut.subList(before, handedOut.size()).stream().filter(SECOND::equals).count() >= POOL_SIZE);
        load.awaitSuccessesAfter(500);
        load.stop();

        assertThat(load.failures.get()).as("requests failed during the rotation").isZero();
        assertThat(handedOut.subList(before, handedOut.size())).as("secrets handed out after it").containsOnly(SECOND);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            PoolStats stats = ds.stats();
            return stats.leased() == 0 && stats.waiting() == 0 && stats.total() <= POOL_SIZE;
        });
        Set<Long> stored = new HashSet<>();
        try (Connection c = pair.primaryConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("select id from rotation")) {
            while (rows.next()) {
                stored.add(rows.getLong(1));
            }
        }
        assertThat(stored).containsAll(load.acknowledged);
        System.out.printf("rotation under 200 virtual threads: %d inserts, %d failed, first insert that began after the"
                + " rotation done %d ms after it%n", load.acknowledged.size(), load.failures.get(),
                TimeUnit.NANOSECONDS.toMillis(load.recoveredAt.get() - rotated));
        assertThat(logs).noneMatch(line -> line.contains(FIRST) || line.contains(SECOND));
    }

    @Test
    void aProviderThatFailsFailsTheCallerAtOnceWithItsFailureAsTheCause() {
        AtomicInteger asked = new AtomicInteger();
        ds = pool(() -> {
            asked.incrementAndGet();
            throw new IllegalStateException("vault is sealed");
        });

        long start = System.nanoTime();
        SQLException failure = catchThrowableOfType(SQLException.class, ds::getConnection);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(took).as("ms, against a 5 s connectionTimeout").isLessThan(2_000);
        assertThat((Throwable) failure).hasMessageContaining("credentialsProvider").hasMessageContaining("failed");
        assertThat(rootCause(failure)).isInstanceOf(IllegalStateException.class).hasMessage("vault is sealed");
        assertThat(asked.get()).isPositive();
    }

    @Test
    void aWrongSecretReachesTheCallerAsTheServersReasonAndShowsNowhere() {
        secret.set("berth-stale-2HmOtter");
        ds = pool(provider);

        SQLException failure = catchThrowableOfType(SQLException.class, ds::getConnection);

        assertThat(failure.getSQLState()).isEqualTo("28P01");
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).contains("password authentication failed").doesNotContain("berth-stale-2HmOtter");
        assertThat(ds.report().toString()).doesNotContain("berth-stale-2HmOtter");
        assertThat(logs).as("log lines").isNotEmpty().noneMatch(line -> line.contains("berth-stale-2HmOtter"));
    }

    @Test
    void aPasswordAndAProviderTogetherAreRefusedAtBuild() {
        assertThatThrownBy(() -> BerthDataSource.builder().jdbcUrl(pair.primaryJdbcUrl()).username(ROLE).password(FIRST)
                .credentialsProvider(provider).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentialsProvider").hasMessageContaining("password").hasMessageNotContaining(FIRST);
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
