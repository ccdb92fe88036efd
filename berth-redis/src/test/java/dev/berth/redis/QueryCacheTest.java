package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The two-tier query cache against the shared Redis on 6379. */
class QueryCacheTest {
    private static RedisPool redis;

    @BeforeAll
    static void open() {
        redis = RedisPool.open(SharedRedis.url());
    }

    @AfterAll
    static void close() {
        SharedRedis.deleteKeys();
        if (redis != null) {
            redis.close();
        }
    }

    private static QueryCache<String> cache(String prefix) {
        return QueryCache.<String>builder(redis, s -> s, s -> s).prefix(prefix).ttl(Duration.ofSeconds(60)).build();
    }

    @Test
    void theLoaderRunsOnceAndTheLocalTierAnswersAfterwards() throws Exception {
        QueryCache<String> cache = cache(SharedRedis.key("c") + ":");
        AtomicInteger loads = new AtomicInteger();
        assertThat(cache.get("42", () -> "alice#" + loads.incrementAndGet())).isEqualTo("alice#1");
        assertThat(cache.get("42", () -> "alice#" + loads.incrementAndGet())).isEqualTo("alice#1");
        assertThat(loads.get()).isEqualTo(1);
        assertThat(cache.stats()).isEqualTo(new QueryCache.Stats(1, 0, 1));
    }

    @Test
    void anotherProcessFindsTheValueInRedisWithoutLoading() throws Exception {
        String prefix = SharedRedis.key("shared") + ":";
        cache(prefix).get("42", () -> "alice");
        QueryCache<String> other = cache(prefix);
        assertThat(other.get("42", () -> { throw new AssertionError("must not load"); })).isEqualTo("alice");
        assertThat(other.stats()).isEqualTo(new QueryCache.Stats(0, 1, 0));
    }

    @Test
    void valuesInRedisCarryTheTtl() throws Exception {
        String prefix = SharedRedis.key("ttl") + ":";
        cache(prefix).get("42", () -> "alice");
        assertThat(redis.client().pttl(prefix + "42")).isBetween(1L, 60_000L);
    }

    @Test
    void invalidateDropsBothTiers() throws Exception {
        String prefix = SharedRedis.key("inv") + ":";
        QueryCache<String> cache = cache(prefix);
        cache.get("42", () -> "old");
        cache.invalidate("42");
        assertThat(redis.client().exists(prefix + "42")).isFalse();
        assertThat(cache.get("42", () -> "new")).isEqualTo("new");
    }

    @Test
    void concurrentMissesOfOneKeyLoadOnce() throws Exception {
        QueryCache<String> cache = cache(SharedRedis.key("stampede") + ":");
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                results.add(threads.submit(() -> cache.get("hot", () -> {
                    loads.incrementAndGet();
                    release.await();
                    return "value";
                })));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> loads.get() == 1);
            release.countDown();
            for (Future<String> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("value");
            }
        }
        assertThat(loads.get()).isEqualTo(1);
    }

    @Test
    void aNullResultIsReturnedButNotCached() throws Exception {
        String prefix = SharedRedis.key("null") + ":";
        QueryCache<String> cache = cache(prefix);
        assertThat(cache.get("42", () -> null)).isNull();
        assertThat(redis.client().exists(prefix + "42")).isFalse();
        assertThat(cache.get("42", () -> "later")).isEqualTo("later");
    }

    @Test
    void aLoaderFailureReachesTheCallerAndNothingIsCached() throws Exception {
        String prefix = SharedRedis.key("fail") + ":";
        QueryCache<String> cache = cache(prefix);
        assertThatThrownBy(() -> cache.get("42", () -> { throw new IOException("database down"); }))
                .isInstanceOf(IOException.class).hasMessage("database down");
        assertThat(redis.client().exists(prefix + "42")).isFalse();
        assertThat(cache.get("42", () -> "ok")).isEqualTo("ok");
    }
}
