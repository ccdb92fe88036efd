package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A demo with a read replica: it is a pool of its own on the dashboard and in /health, and the middleware sends
 * GET requests' reads there. The "replica" is a second pool on the test PostgreSQL (a real streaming replica is
 * beyond a test machine); what is tested is that berth routes to it and shows it.
 */
class DemoReplicaTest {

    private static JsonNode pool(JsonNode pools, String name) {
        for (JsonNode pool : pools.get("pools")) {
            if (pool.get("name").asText().equals(name)) {
                return pool;
            }
        }
        throw new AssertionError("no pool " + name + " in " + pools);
    }

    @Test
    void aReplicaIsItsOwnPoolReadsOfGetRequestsGoThereAndHealthReportsIt() throws Exception {
        try (DemoFixture demo = DemoFixture.start(s -> s.withReplicaUrls(List.of(DemoFixture.databaseUrl())))) {
            long id = demo.createAccount("replica-reader", 500);
            // the pool itself is busy already (the replica health check leases a connection every second): count reads
            long servedBefore = demo.server().database().stats().replicas().getFirst().served();

            JsonNode account = DemoFixture.json(demo.get("/api/accounts/" + id));   // a cache miss: read on the replica

            assertThat(account.get("balance").asLong()).isEqualTo(500);
            JsonNode pools = DemoFixture.json(demo.get("/api/pools"));
            assertThat(pools.get("pools")).extracting(p -> p.get("name").asText())
                    .containsExactly("primary", "replica-1", "redis");
            JsonNode replica = pool(pools, "replica-1");
            assertThat(replica.get("kind").asText()).isEqualTo("postgresql");
            assertThat(replica.get("created").asLong()).isPositive();
            assertThat(replica.get("hold").get("max").asDouble()).as("the pool shows its connections' holds").isPositive();
            assertThat(demo.server().database().stats().replicas().getFirst().served())
                    .as("the lookup read on the replica").isEqualTo(servedBefore + 1);
            JsonNode health = DemoFixture.json(demo.get("/health"));
            assertThat(health.get("status").asText()).isEqualTo("UP");
            assertThat(health.get("pools").get("replica-1").get("status").asText()).isEqualTo("UP");
        }
    }

    @Test
    void replicaUrlsAreReadCommaSeparatedFromTheEnvironment() {
        DemoConfig config = DemoConfig.from(new String[0], new java.util.Properties(),
                java.util.Map.of("DEMO_REPLICA_URLS", " postgres://a/db , postgres://b/db ,"));
        assertThat(config.replicaUrls()).containsExactly("postgres://a/db", "postgres://b/db");
        assertThat(DemoConfig.defaults().replicaUrls()).isEmpty();
    }
}
