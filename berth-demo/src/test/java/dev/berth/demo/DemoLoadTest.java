package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

/** The built-in load: bounded, one at a time, loopback only; needs PostgreSQL and Redis (real or embedded). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoLoadTest {

    @RegisterExtension   // closing it also stops a load still running
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings);

    @Test
    @Order(1)
    void loadSendsExactlyTheRequestsAskedForAndFinishes() {
        HttpResponse<String> started = demo.post("/api/load", "{\"requests\": 150, \"concurrency\": 10}");

        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        assertThat(DemoFixture.json(started).get("total").asInt()).isEqualTo(150);
        JsonNode load = await().atMost(Duration.ofSeconds(LoadGenerator.MAX_SECONDS + 5))
                .until(() -> DemoFixture.json(demo.get("/api/pools")).get("load"), l -> !l.get("running").asBoolean());
        assertThat(load.get("sent").asLong()).isEqualTo(150);
        assertThat(load.get("errors").asLong()).isZero();
        JsonNode primary = DemoFixture.json(demo.get("/api/pools")).get("pools").get(0);
        assertThat(primary.get("wait").get("max").asDouble()).isPositive();
    }

    @Test
    @Order(2)
    void tooManyRequestsAreRefused() {
        DemoApiTest.assertError(demo.post("/api/load", "{\"requests\": 2001}"), 400, "invalid_field", "\"requests\" is 2001");
    }

    @Test
    @Order(3)
    void aSecondLoadWhileOneRunsIs409() {
        // Sequential requests: the first load surely runs for longer than it takes to ask again.
        HttpResponse<String> first = demo.post("/api/load", "{\"requests\": 2000, \"concurrency\": 1}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);

        DemoApiTest.assertError(demo.post("/api/load", ""), 409, "load_running", "already running");
    }

    @Test
    void callersOffThisMachineMayNotStartALoad() throws Exception {
        LoadGenerator.requireLoopback(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5000), "a load");
        LoadGenerator.requireLoopback(new InetSocketAddress(InetAddress.getByName("::1"), 5000), "a load");
        assertThatThrownBy(() -> LoadGenerator.requireLoopback(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 5000), "a load"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("192.0.2.7");
                });
    }
}
