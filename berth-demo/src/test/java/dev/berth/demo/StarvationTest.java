package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Starvation} on a pool that is busy when it starts: its holders queue behind other borrowers, may time out,
 * and must try again, or the probe finds a connection and there is no starvation to report.
 */
class StarvationTest {

    @Test
    void holdersThatTimeOutBehindABusyPoolTryAgainSoTheProbeStillTimesOut() throws Exception {
        try (BerthDataSource dataSource = BerthDataSource.builder()
                .jdbcUrl(TestPostgres.jdbcUrl()).username(TestPostgres.user())
                .poolName("starved").maximumPoolSize(2).minimumIdle(2).connectionTimeout(300).build();
             Starvation starvation = new Starvation(dataSource, 2, Duration.ofMillis(300))) {
            dataSource.start();
            CompletableFuture<Starvation.Result> result;
            // Every connection is taken before the holders start: their first attempt runs out.
            try (Connection busy1 = dataSource.getConnection(); Connection busy2 = dataSource.getConnection()) {
                result = CompletableFuture.supplyAsync(() -> {
                    try {
                        return starvation.starve();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> dataSource.stats().timeouts() >= 2);
            }
            Starvation.Result answer = result.get(30, TimeUnit.SECONDS);

            assertThat(answer.timedOut()).as(answer.report()).isTrue();
            assertThat(answer.report()).contains("pool 'starved'").contains("Starvation.holdConnection");
        }
    }

    @Test
    void aHolderThatGotItsConnectionEarlyKeepsItUntilTheLateOnesProbeHasTimedOut() throws Exception {
        try (BerthDataSource dataSource = BerthDataSource.builder()
                .jdbcUrl(TestPostgres.jdbcUrl()).username(TestPostgres.user())
                .poolName("starved").maximumPoolSize(2).minimumIdle(2).connectionTimeout(300).build();
             Starvation starvation = new Starvation(dataSource, 2, Duration.ofMillis(300))) {
            dataSource.start();
            CompletableFuture<Starvation.Result> result;
            // One connection is free (one holder takes it at once), the other stays busy until the late holder has
            // timed out 8 times (2.4 s). A holder that let go after a fixed time (2 s, the old code) hands its
            // connection to the late one, the probe times out once, and the 8th timeout never comes.
            try (Connection busy = dataSource.getConnection()) {
                result = CompletableFuture.supplyAsync(() -> {
                    try {
                        return starvation.starve();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> dataSource.stats().timeouts() >= 8);
            }
            Starvation.Result answer = result.get(30, TimeUnit.SECONDS);

            assertThat(answer.timedOut()).as(answer.report()).isTrue();
            assertThat(answer.report()).contains("pool 'starved'").contains("Starvation.holdConnection");
        }
    }
}
