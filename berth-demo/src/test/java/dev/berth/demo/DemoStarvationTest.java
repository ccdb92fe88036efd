package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A starved pool answers 503 with Retry-After, and {@code POST /api/starve} returns berth's forensic report. Uses a
 * pool of 3 connections and a 500 ms acquire timeout; needs PostgreSQL and Redis (real or embedded).
 */
class DemoStarvationTest {

    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings.withPoolSize(3).withAcquireTimeout(Duration.ofMillis(500)));

    /** A starvation holds its connections for 2 s after it answers: wait until the pool is free again. */
    @BeforeEach
    void poolIsFree() {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                DemoFixture.json(demo.get("/api/pools")).get("pools").get(0).get("leased").asInt() == 0);
    }

    @Test
    void starvedPoolAnswers503WithRetryAfterAndStarveReturnsTheReport() throws Exception {
        long id = demo.createAccount("starved", 10);
        CompletableFuture<HttpResponse<String>> starve = CompletableFuture.supplyAsync(() -> demo.post("/api/starve", ""));
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode primary = DemoFixture.json(demo.get("/api/pools")).get("pools").get(0);
            return primary.get("leased").asInt() == 3;
        });

        // A lookup that is not cached needs a connection: none is free for longer than the acquire timeout.
        HttpResponse<String> starved = demo.get("/api/accounts/" + id);

        assertThat(starved.statusCode()).as(starved.body()).isEqualTo(503);
        assertThat(starved.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode error = DemoFixture.json(starved);
        assertThat(error.get("error").asText()).isEqualTo("pool_exhausted");
        assertThat(error.get("message").asText()).contains("pool 'primary'").contains("leased=3");

        HttpResponse<String> answer = starve.get();
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode report = DemoFixture.json(answer);
        assertThat(report.get("timedOut").asBoolean()).isTrue();
        assertThat(report.get("report").asText())
                .contains("no free resource within")
                .contains("starve-holder-")
                .contains("dev.berth.demo.Starvation.holdConnection");
    }

    @Test
    void poolsShowTheHoldersWhileStarvedAndCountTheTimeout() throws Exception {
        long before = DemoFixture.json(demo.get("/api/pools")).get("pools").get(0).get("timeouts").asLong();
        CompletableFuture<HttpResponse<String>> starve = CompletableFuture.supplyAsync(() -> demo.post("/api/starve", ""));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                DemoFixture.json(demo.get("/api/pools")).get("pools").get(0).get("holders").size() == 3);

        JsonNode primary = DemoFixture.json(demo.get("/api/pools")).get("pools").get(0);
        JsonNode holder = primary.get("holders").get(0);
        assertThat(holder.get("thread").asText()).startsWith("starve-holder-");
        assertThat(holder.get("site").asText()).contains("Starvation.holdConnection");
        assertThat(holder.get("heldMs").asDouble()).isPositive();

        assertThat(starve.get().statusCode()).isEqualTo(200);
        long after = DemoFixture.json(demo.get("/api/pools")).get("pools").get(0).get("timeouts").asLong();
        assertThat(after).isGreaterThan(before);
    }
}
