package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Starvation} on a pool of 2 that is busy when it starts: its holders queue behind other borrowers, may time
 * out, and must keep at it, or the probe finds a connection and there is no starvation to report.
 */
class StarvationTest {

    @Test
    void holdersThatTimeOutBehindABusyPoolTryAgainSoTheProbeStillTimesOut() throws Exception {
        // Every connection is taken before the holders start: their first attempts run out.
        assertStarvationReported(2, 2);
    }

    @Test
    void aHolderThatGotItsConnectionEarlyKeepsItUntilTheLateOnesProbeHasTimedOut() throws Exception {
        // One connection is free (one holder takes it at once), the other stays busy until the late holder has
        // timed out 8 times (2.4 s). A holder that let go after a fixed time (2 s, the old code) hands its
        // connection to the late one, the probe times out once, and the 8th timeout never comes.
        assertStarvationReported(1, 8);
    }

    /** Keeps {@code busy} connections until the pool has counted {@code timeouts}, then expects a real starvation. */
    private static void assertStarvationReported(int busy, long timeouts) throws Exception {
        try (BerthDataSource dataSource = BerthDataSource.builder()
                .jdbcUrl(TestPostgres.jdbcUrl()).username(TestPostgres.user())
                .poolName("starved").maximumPoolSize(2).minimumIdle(2).connectionTimeout(300).build();
             Starvation starvation = new Starvation(dataSource, 2, Duration.ofMillis(300))) {
            dataSource.start();
            CompletableFuture<Starvation.Result> result;
            List<Connection> taken = new ArrayList<>();
            try {
                for (int i = 0; i < busy; i++) {
                    taken.add(dataSource.getConnection());
                }
                result = CompletableFuture.supplyAsync(() -> {
                    try {
                        return starvation.starve();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> dataSource.stats().timeouts() >= timeouts);
            } finally {
                for (Connection connection : taken) {
                    connection.close();
                }
            }
            Starvation.Result answer = result.get(30, TimeUnit.SECONDS);

            assertThat(answer.timedOut()).as(answer.report()).isTrue();
            assertThat(answer.report()).contains("pool 'starved'").contains("Starvation.holdConnection");
        }
    }
}
