package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The endpoints the dashboard reads, in the contract's shape; needs PostgreSQL and Redis (real or embedded). */
class DemoDashboardEndpointsTest {

    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings.withSlowRequest(java.time.Duration.ZERO));   // every request is "slow"

    @Test
    void poolsListsBothPoolsInTheContractShape() {
        long id = demo.createAccount("pools", 5);
        demo.get("/api/accounts/" + id);

        HttpResponse<String> response = demo.get("/api/pools");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = DemoFixture.json(response);
        assertThat(body.get("time").asLong()).isPositive();
        assertThat(names(body.get("pools"))).containsExactly("primary", "redis");
        for (JsonNode pool : body.get("pools")) {
            assertThat(fieldNames(pool)).containsExactly("name", "kind", "max", "total", "idle", "leased", "waiting", "created",
                    "destroyed", "timeouts", "shed", "overloaded", "leaks", "wait", "hold", "holders");
            assertThat(fieldNames(pool.get("wait"))).containsExactly("p50", "p99", "p999", "max");
            assertThat(fieldNames(pool.get("hold"))).containsExactly("p50", "p99", "p999", "max");
            assertThat(pool.get("max").asInt()).isEqualTo(10);
            assertThat(pool.get("created").asLong()).isPositive();
            assertThat(pool.get("holders").isArray()).isTrue();
        }
        assertThat(body.get("pools").get(0).get("kind").asText()).isEqualTo("postgresql");
        assertThat(body.get("pools").get(1).get("kind").asText()).isEqualTo("redis");
        assertThat(fieldNames(body.get("load"))).containsExactly("running", "sent", "total", "errors", "errorMsMean", "errorMsMax", "okPerSecond");
    }

    @Test
    void slowRequestsAreListedNewestFirstWithWaitAndHold() {
        long from = demo.createAccount("slow-from", 5);
        long to = demo.createAccount("slow-to", 0);
        demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":1}");

        JsonNode slow = DemoFixture.json(demo.get("/api/pools")).get("slowRequests");

        assertThat(slow.size()).isBetween(1, SlowRequests.KEPT);
        JsonNode transfer = null;
        for (JsonNode entry : slow) {
            assertThat(fieldNames(entry)).containsExactly("time", "method", "path", "status", "totalMs", "waitMs", "holdMs");
            if (transfer == null && entry.get("path").asText().equals("/api/transfers")) {
                transfer = entry;
            }
        }
        assertThat(transfer).as("the transfer among %s", slow).isNotNull();
        assertThat(transfer.get("status").asInt()).isEqualTo(201);
        // The transfer's own transaction held a connection: its hold time reaches the list too.
        assertThat(transfer.get("holdMs").asDouble()).isPositive();
        assertThat(slow.get(0).get("time").asLong()).isGreaterThanOrEqualTo(slow.get(slow.size() - 1).get("time").asLong());
    }

    @Test
    void healthIsUpForEachPool() {
        HttpResponse<String> response = demo.get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = DemoFixture.json(response);
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("pools").get("primary").get("status").asText()).isEqualTo("UP");
        assertThat(body.get("pools").get("redis").get("status").asText()).isEqualTo("UP");
    }

    @Test
    void metricsExposeBerthMetersOfEveryPool() {
        demo.get("/api/accounts/" + demo.createAccount("metrics", 1));

        HttpResponse<String> response = demo.get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(response.body())
                .contains("berth_pool_resources{kind=\"jdbc\",pool=\"primary\"}")
                .contains("berth_pool_resources{kind=\"redis\",pool=\"redis\"}")
                .contains("berth_pool_acquire_seconds_count{kind=\"jdbc\",pool=\"primary\"}")
                .contains("berth_pool_timeouts_total{kind=\"redis\",pool=\"redis\"}")
                .contains("demo_transfers_retries_total");
    }

    @Test
    void uplotIsServedFromItsWebJar() {
        HttpResponse<String> script = demo.get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
        HttpResponse<String> css = demo.get("/webjars/uplot/1.6.30/dist/uPlot.min.css");

        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("uPlot");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/css"));
    }

    @Test
    void rootServesTheDashboardWhenItIsOnTheClassPath() {
        HttpResponse<String> root = demo.get("/");
        if (DemoServer.class.getClassLoader().getResource("web/index.html") != null) {
            assertThat(root.statusCode()).isEqualTo(200);
            assertThat(root.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        } else {
            DemoApiTest.assertError(root, 404, "no_dashboard", "web/index.html");
        }
    }

    private static List<String> names(JsonNode pools) {
        List<String> names = new ArrayList<>();
        pools.forEach(p -> names.add(p.get("name").asText()));
        return names;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
