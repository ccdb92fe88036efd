package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same API wired with HikariCP and Jedis's JedisPool ({@code DEMO_POOLS=hikari}), for the side-by-side
 * comparison; needs PostgreSQL and Redis (real or embedded).
 */
class DemoHikariModeTest {

    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings.withPools(DemoConfig.Pools.HIKARI));

    @Test
    void transferAndCachedLookupWorkOnHikariAndJedisPool() {
        long from = demo.createAccount("hikari-from", 500);
        long to = demo.createAccount("hikari-to", 0);
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + from)).get("balance").asLong()).isEqualTo(500);   // cached now

        HttpResponse<String> moved = demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":120}");

        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(201);
        JsonNode fromAccount = DemoFixture.json(demo.get("/api/accounts/" + from));
        assertThat(fromAccount.get("balance").asLong()).isEqualTo(380);
        assertThat(fromAccount.get("requests").asLong()).isEqualTo(3);
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + to)).get("balance").asLong()).isEqualTo(120);
    }

    @Test
    void badInputGetsTheSameErrors() {
        DemoApiTest.assertError(demo.post("/api/transfers", "{\"from\":1,\"to\":2,\"amount\":0}"), 400, "invalid_amount", "\"amount\" is 0");
        DemoApiTest.assertError(demo.get("/api/accounts/999999999997"), 404, "account_not_found", "999999999997");
    }

    @Test
    void poolsHaveTheSameShapeAndNameThePeers() {
        demo.get("/api/accounts/" + demo.createAccount("hikari-pools", 1));

        JsonNode body = DemoFixture.json(demo.get("/api/pools"));

        assertThat(body.get("mode").asText()).isEqualTo("hikari");
        JsonNode primary = body.get("pools").get(0);
        JsonNode redis = body.get("pools").get(1);
        assertThat(primary.get("name").asText()).isEqualTo("primary");
        assertThat(primary.get("max").asInt()).isEqualTo(10);
        assertThat(primary.get("total").asInt()).isPositive();
        assertThat(primary.get("wait").has("p99")).isTrue();
        assertThat(redis.get("name").asText()).isEqualTo("redis");
        assertThat(redis.get("created").asLong()).isPositive();
        assertThat(redis.get("hold").get("max").asDouble()).isPositive();
    }

    @Test
    void healthAndMetricsCoverThePeers() {
        assertThat(DemoFixture.json(demo.get("/health")).get("status").asText()).isEqualTo("UP");
        String metrics = demo.get("/metrics").body();
        assertThat(metrics).contains("hikaricp_connections{pool=\"primary\"}").contains("demo_jedis_pool_acquire_seconds");
    }
}
