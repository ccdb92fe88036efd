package dev.berth.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolTimeoutException;
import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a Prometheus server scraping the application would read. */
class PrometheusScrapeTest {
    private static final String LABELS = "{kind=\"memory\",pool=\"scraped\"";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(new CountingFactory(),
            () -> PoolConfig.builder().name("scraped").maxSize(2));

    private Pool<Resource> open(PoolMetrics metrics) {
        Pool<Resource> pool = pools.open(c -> c.listener(metrics));
        metrics.bindTo(pool::stats);
        return pool;
    }

    @Test
    void scrapeShowsEveryBerthMetricWithThePoolAndKindLabels() throws Exception {
        Pool<Resource> pool = open(PoolMetrics.of(registry, "scraped", "memory"));
        for (int i = 0; i < 20; i++) {
            pool.acquire().close();
        }
        try (Lease<Resource> broken = pool.acquire()) {
            broken.markBroken();
        }
        String scrape;
        try (Lease<Resource> a = pool.acquire(); Lease<Resource> b = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5))).isInstanceOf(PoolTimeoutException.class);
            scrape = registry.scrape();
        }
        pool.close();
        String afterClose = registry.scrape();

        assertThat(scrape.lines()).contains(
                "berth_pool_acquire_seconds_count" + LABELS + "} 23",
                "berth_pool_hold_seconds_count" + LABELS + "} 21",
                "berth_pool_timeouts_total" + LABELS + "} 1.0",
                "berth_pool_resources" + LABELS + "} 2.0",
                "berth_pool_resources_leased" + LABELS + "} 2.0",
                "berth_pool_resources_idle" + LABELS + "} 0.0",
                "berth_pool_resources_max" + LABELS + "} 2.0",
                "berth_pool_waiting" + LABELS + "} 0.0",
                "berth_pool_creation_failures_total" + LABELS + "} 0.0",
                "berth_pool_validation_failures_total" + LABELS + "} 0.0",
                "berth_pool_leaks_total{dropped=\"true\",kind=\"memory\",pool=\"scraped\"} 0.0",
                "berth_pool_leaks_total{dropped=\"false\",kind=\"memory\",pool=\"scraped\"} 0.0");
        assertThat(scrape).contains("berth_pool_creations_total" + LABELS + "} "); // 2 or more: creation races the workload
        assertThat(afterClose.lines()).contains(
                "berth_pool_destructions_total" + LABELS + ",reason=\"broken\"} 1.0",
                "berth_pool_destructions_total" + LABELS + ",reason=\"closed\"} 2.0");
    }

    @Test
    void scrapeShowsTheOpenTelemetryNamesWithThePoolNameLabel() throws Exception {
        Pool<Resource> pool = open(PoolMetrics.of(registry, "scraped", "memory"));
        for (int i = 0; i < 20; i++) {
            pool.acquire().close();
        }
        String scrape;
        try (Lease<Resource> a = pool.acquire(); Lease<Resource> b = pool.acquire()) {
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(5))).isInstanceOf(PoolTimeoutException.class);
            scrape = registry.scrape();
        }
        String name = "{db_client_connection_pool_name=\"scraped\"}";
        assertThat(scrape.lines()).contains(
                "db_client_connection_count{db_client_connection_pool_name=\"scraped\",db_client_connection_state=\"idle\"} 0.0",
                "db_client_connection_count{db_client_connection_pool_name=\"scraped\",db_client_connection_state=\"used\"} 2.0",
                "db_client_connection_max" + name + " 2.0",
                "db_client_connection_idle_min" + name + " 0.0",
                "db_client_connection_idle_max" + name + " 2.0",
                "db_client_connection_pending_requests" + name + " 0.0",
                "db_client_connection_timeouts_total" + name + " 1.0",
                "db_client_connection_wait_time_seconds_count" + name + " 22",
                "db_client_connection_use_time_seconds_count" + name + " 20",
                "db_client_connection_create_time_seconds_count" + name + " 2",
                "# TYPE db_client_connection_count gauge",
                "# TYPE db_client_connection_timeouts_total counter",
                "# TYPE db_client_connection_wait_time_seconds summary");
    }

    @Test
    void percentileBucketsAppearOnlyWhenAskedFor() throws Exception {
        PoolMetrics metrics = PoolMetrics.of(registry, "scraped", "memory");
        Pool<Resource> first = open(metrics);
        first.acquire().close();
        assertThat(registry.scrape()).doesNotContain("_bucket");
        first.close();
        metrics.close();

        Pool<Resource> pool = open(PoolMetrics.builder(registry, "scraped", "memory").percentileHistogram(true).build());
        pool.acquire().close();
        String scrape = registry.scrape();

        assertThat(scrape.lines()).contains(
                "berth_pool_acquire_seconds_bucket" + LABELS + ",le=\"+Inf\"} 1",
                "berth_pool_hold_seconds_bucket" + LABELS + ",le=\"+Inf\"} 1");
        assertThat(scrape.lines().filter(l -> l.startsWith("berth_pool_acquire_seconds_bucket")))
                .anyMatch(l -> l.contains("le=\"1.0E-5\"") || l.contains("le=\"0.00001\""));
    }
}
