package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.pool.PoolStats;
import dev.berth.testing.CallerLoad;
import dev.berth.testing.PostgresPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL restart under write load ({@code pg_ctl restart -m fast} on a primary the test starts, 50 virtual
 * threads inserting through a pool of 10): sessions end with 57P01, the pool revalidates once and creates anew while
 * the server is down (failing callers fast, not hanging them, and backing off), and writes are back within a second
 * of the server accepting connections; no acknowledged insert is lost. Skipped, with the reason, where no PostgreSQL
 * binaries are found.
 */
class ServerRestartTest {

    private static final long CONNECTION_TIMEOUT_MS = 2_000;
    private PostgresPair pair;
    private BerthDataSource ds;
    private CallerLoad load;

    @BeforeEach
    void start() throws Exception {
        String reason = PostgresPair.unavailableReason();
        assumeTrue(reason == null, () -> "restart test skipped: " + reason);
        pair = PostgresPair.start();
        try (Connection c = pair.primaryConnection(); Statement s = c.createStatement()) {
            s.execute("create table restarts (id bigint primary key)");
        }
        ds = BerthDataSource.builder().jdbcUrl(pair.primaryJdbcUrl()).username(pair.user()).poolName("restart")
                .maximumPoolSize(10).connectionTimeout(CONNECTION_TIMEOUT_MS).createTimeout(1_000).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.stop();
        }
        if (ds != null) {
            ds.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void writesAreBackWithinASecondOfTheServerAcceptingConnectionsAgain() throws Exception {
        load = InsertLoad.start(ds, "restarts", 50);
        load.awaitSuccesses(500);

        pair.restartPrimary(); // returns once the server accepts connections again
        load.healedAt(System.nanoTime());
        load.awaitRecovery();
        load.awaitSuccessesAfter(500);
        load.stop();

        long recovered = load.recoveryMillis();
        long longest = TimeUnit.NANOSECONDS.toMillis(load.longest.get());
        System.out.printf("ServerRestartTest: %d inserts acknowledged, %d failed, longest call %d ms, writes back %d ms"
                + " after the server accepted connections%n", load.acknowledged.size(), load.failures.get(), longest, recovered);
        assertThat(load.failures.get()).as("the restart was seen").isPositive();
        assertThat(load.messages).as("no caller was told to raise maxSize: holders were not the reason")
                .noneMatch(m -> m.contains("raise maxSize"));
        assertThat(longest).as("no caller hung: the longest call, in ms").isLessThanOrEqualTo(CONNECTION_TIMEOUT_MS + 1_500);
        assertThat(recovered).as("ms from the server accepting connections to the first insert after it").isLessThanOrEqualTo(1_000);
        await("nothing stays leased or waiting").atMost(Duration.ofSeconds(5)).until(() -> {
            PoolStats stats = ds.stats();
            return stats.leased() == 0 && stats.waiting() == 0;
        });
        Set<Long> stored = new HashSet<>();
        try (Connection c = pair.primaryConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("select id from restarts")) {
            while (rows.next()) {
                stored.add(rows.getLong(1));
            }
        }
        assertThat(stored).as("every acknowledged insert survived the restart").containsAll(load.acknowledged);
    }
}
