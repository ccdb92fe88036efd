package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.PoolStats;
import dev.berth.testing.CallerLoad;
import dev.berth.testing.FaultProxy;
import dev.berth.testing.TestPostgres;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network failures injected for real, under load: a {@link FaultProxy} on loopback between the pool and
 * PostgreSQL, and 200 virtual threads inserting rows through a pool of 10. For each failure: no caller waits
 * longer than its bound (written in docs/failures.md), every acknowledged insert is in the table, nothing is left
 * leased or waiting, and writes succeed again within a second of the network healing.
 *
 * <p>The bounds come from the settings below: {@code connectionTimeout} 2 s (the longest acquire),
 * {@code createTimeout} 1 s, {@code validationTimeout} 1 s, and pgjdbc's {@code socketTimeout} 3 s (the longest a
 * statement waits for an answer; berth leaves it to the application, as a statement may legitimately run long).
 */
class FaultScenariosTest {

    private static final int CALLERS = 200;
    private static final long CONNECTION_TIMEOUT_MS = 2_000;
    private static final long CREATE_TIMEOUT_MS = 1_000;
    private static final long SOCKET_TIMEOUT_MS = 3_000;
    /** What a loaded 2-core machine adds to a bound: scheduling 200 threads, the proxy's copying, GC. */
    private static final long SLACK_MS = 1_500;
    private static final Duration RECOVERY = Duration.ofSeconds(1);
    private static final String TABLE = "fault_scenarios";

    private FaultProxy proxy;
    private BerthDataSource ds;
    private CallerLoad load;

    @BeforeAll
    static void table() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists " + TABLE + " (id bigint primary key)");
        }
    }

    @BeforeEach
    void proxyAndPool() throws SQLException {
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("truncate " + TABLE);
        }
        URI server = URI.create(TestPostgres.jdbcUrl().substring("jdbc:".length()));
        proxy = FaultProxy.start(server.getHost(), server.getPort());
        ds = BerthDataSource.builder()
                .jdbcUrl("jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + server.getPath()
                        + "?socketTimeout=" + SOCKET_TIMEOUT_MS / 1000)
                .username(TestPostgres.user()).poolName("faults").maximumPoolSize(10).minimumIdle(0)
                .connectionTimeout(CONNECTION_TIMEOUT_MS).createTimeout(CREATE_TIMEOUT_MS).validationTimeout(1_000)
                .build();
    }

    @AfterEach
    void close() throws Exception {
        if (load != null) {
            load.stop();
        }
        if (ds != null) {
            ds.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** Every connection gets a TCP reset in the middle of the load: in-flight inserts fail, the pool reconnects. */
    @Test
    void everyConnectionResetUnderLoad() throws Exception {
        load = InsertLoad.start(ds, TABLE, CALLERS);
        load.awaitSuccesses(500);

        proxy.resetAll();
        load.healedAt(System.nanoTime());

        load.awaitRecovery();
        load.awaitSuccessesAfter(500);
        load.stop();

        assertThat(proxy.resets()).as("the proxy reset the pool's connections").isPositive();
        assertBoundsHeld(CONNECTION_TIMEOUT_MS + SOCKET_TIMEOUT_MS, RECOVERY);
    }

    /**
     * A 5 s partition: nothing is delivered either way, nothing is closed. Statements in flight fail at their
     * socketTimeout, callers waiting for a connection at connectionTimeout with a reason, not a hang; then the
     * network heals.
     */
    @Test
    void aFiveSecondPartitionUnderLoad() throws Exception {
        load = InsertLoad.start(ds, TABLE, CALLERS);
        load.awaitSuccesses(500);
        long failuresBefore = load.failures.get();

        proxy.blackhole();
        long partitioned = System.nanoTime();
        await("callers see the partition as failures, not as a hang").atMost(Duration.ofSeconds(10))
                .until(() -> load.failures.get() > failuresBefore + CALLERS);
        // the fault's length, not a synchronisation: the partition lasts 5 s
        Thread.sleep(Duration.ofNanos(Math.max(0, partitioned + TimeUnit.SECONDS.toNanos(5) - System.nanoTime())));
        proxy.heal();
        load.healedAt(System.nanoTime());

        load.awaitRecovery();
        load.awaitSuccessesAfter(500);
        load.stop();

        assertBoundsHeld(CONNECTION_TIMEOUT_MS + SOCKET_TIMEOUT_MS, RECOVERY);
    }

    /**
     * The pool is empty when the partition starts: every connection attempt hangs. Callers fail at the
     * createTimeout with that reason (never "raise maxSize": holders are not the reason), and the pool fills as soon
     * as the network heals.
     */
    @Test
    void aPartitionWhileThePoolCreatesItsConnections() throws Exception {
        proxy.blackhole();
        load = InsertLoad.start(ds, TABLE, CALLERS);
        await("callers fail while no connection can be made").atMost(Duration.ofSeconds(10))
                .until(() -> load.failures.get() >= CALLERS);
        assertThat(load.successes.get()).isZero();

        proxy.heal();
        load.healedAt(System.nanoTime());
        load.awaitRecovery();
        load.awaitSuccessesAfter(500);
        load.stop();

        assertThat(load.messages).as("the errors say why, and do not blame holders")
                .anyMatch(m -> m.contains("createTimeout (" + CREATE_TIMEOUT_MS + " ms)"))
                .noneMatch(m -> m.contains("raise maxSize"));
        assertBoundsHeld(CONNECTION_TIMEOUT_MS, RECOVERY);
    }

    /**
     * A server that accepts TCP and never answers (hung, or a load balancer in front of a dead one): each attempt is
     * abandoned at createTimeout and its socket closed; once the server answers again the pool fills.
     */
    @Test
    void aServerThatAcceptsAndNeverAnswersUnderLoad() throws Exception {
        proxy.acceptButNeverAnswer();
        load = InsertLoad.start(ds, TABLE, CALLERS);
        await("callers fail while no connection can be made").atMost(Duration.ofSeconds(10))
                .until(() -> load.failures.get() >= CALLERS);
        long swallowed = proxy.accepted();
        assertThat(swallowed).as("attempts were made and abandoned").isPositive();

        proxy.pass();
        load.healedAt(System.nanoTime());
        load.awaitRecovery();
        load.awaitSuccessesAfter(500);
        load.stop();

        assertThat(load.messages).anyMatch(m -> m.contains("createTimeout (" + CREATE_TIMEOUT_MS + " ms)"))
                .noneMatch(m -> m.contains("raise maxSize"));
        // the attempts under way when the server came back are on swallowed sockets: they give way at createTimeout
        assertBoundsHeld(CONNECTION_TIMEOUT_MS, RECOVERY.plusMillis(CREATE_TIMEOUT_MS)); // and every abandoned socket closed
    }

    /**
     * 100 ms added each way on every connection: a slow network, not a broken one. Inserts take a round trip of
     * 200 ms or more, so 200 callers on 10 connections queue past connectionTimeout and some time out; those
     * errors blame the competition for connections (that is the reason here), no connection is destroyed (the
     * validations after an idle window answer well within validationTimeout), and once the delay is gone the
     * pool serves at full speed at once.
     */
    @Test
    void addedLatencyUnderLoad() throws Exception {
        load = InsertLoad.start(ds, TABLE, CALLERS);
        load.awaitSuccesses(500);
        long destroyedBefore = ds.stats().destroyed();

        proxy.latency(Duration.ofMillis(100));
        long slowFrom = load.successes.get();
        await("callers queue past connectionTimeout").atMost(Duration.ofSeconds(15)).until(() -> load.failures.get() > 0);
        assertThat(load.successes.get()).as("the slow network still serves").isGreaterThan(slowFrom);

        proxy.pass();
        load.healedAt(System.nanoTime());
        load.awaitRecovery();
        load.awaitSuccessesAfter(500);
        load.stop();

        assertThat(ds.stats().destroyed()).as("latency is not a failure: no connection destroyed").isEqualTo(destroyedBefore);
        assertThat(load.messages).as("the timeouts and refusals blame the competition for connections, which is the reason here")
                .allMatch(m -> m.contains("too many callers compete") || m.contains("arriving faster than it serves them"));
        assertBoundsHeld(CONNECTION_TIMEOUT_MS, RECOVERY);
    }

    /** No caller waited beyond {@code boundMs}, writes came back within {@code recovery}; nothing leased, waiting or lost. */
    private void assertBoundsHeld(long boundMs, Duration recovery) throws SQLException {
        long longest = TimeUnit.NANOSECONDS.toMillis(load.longest.get());
        System.out.printf("%s: %d inserts acknowledged, %d failed, longest call %d ms (bound %d ms), recovered %d ms after healing%n",
                getClass().getSimpleName(), load.acknowledged.size(), load.failures.get(), longest, boundMs,
                load.recoveryMillis());
        assertThat(longest).as("the longest a caller waited, in ms").isLessThanOrEqualTo(boundMs + SLACK_MS);
        assertThat(load.recoveredAt.get() - load.healedAt()).as("writes succeed again soon after the network heals")
                .isLessThanOrEqualTo(recovery.toNanos());
        await("nothing stays leased or waiting").atMost(Duration.ofSeconds(5)).until(() -> {
            PoolStats stats = ds.stats();
            return stats.leased() == 0 && stats.waiting() == 0;
        });
        await("no socket left open but the pool's own connections").atMost(Duration.ofSeconds(10))
                .until(() -> proxy.open() <= ds.stats().total());
        Set<Long> stored = new HashSet<>();
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("select id from " + TABLE)) {
            while (rows.next()) {
                stored.add(rows.getLong(1));
            }
        }
        assertThat(stored).as("every acknowledged insert is in the table").containsAll(load.acknowledged);
    }
}
