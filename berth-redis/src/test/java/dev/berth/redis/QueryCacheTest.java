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

    @Test
    void withoutALocalTierEveryGetAsksRedisAndTheLoaderRunsOnce() throws Exception {
        QueryCache<String> cache = QueryCache.<String>builder(redis, s -> s, s -> s)
                .prefix(SharedRedis.key("nolocal") + ":").localSize(0).build();
        AtomicInteger loads = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertThat(cache.get("7", () -> "v" + loads.incrementAndGet())).isEqualTo("v1");
        }
        assertThat(cache.stats()).isEqualTo(new QueryCache.Stats(0, 2, 1));
    }

    @Test
    void aSlowLoadDelaysOnlyItsOwnKey() throws Exception {
        QueryCache<String> cache = cache(SharedRedis.key("slow") + ":");
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> slow = threads.submit(() -> cache.get("slow", () -> {
                loading.countDown();
                release.await();
                return "late";
            }));
            loading.await();
            // Other keys, many of them (some share the slow key's hash bin), answer while the slow load is stuck.
            for (int k = 0; k < 200; k++) {
                String key = Integer.toString(k);
                assertThat(threads.submit(() -> cache.get(key, () -> "v" + key)).get(5, TimeUnit.SECONDS)).isEqualTo("v" + key);
            }
            Future<String> sameKey = threads.submit(() -> cache.get("slow", () -> "second load"));
            assertThat(sameKey.isDone()).isFalse();
            release.countDown();
            assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("late");
            assertThat(sameKey.get(5, TimeUnit.SECONDS)).isIn("late"); // it waited for the load under way
        }
    }

    @Test
    void aValueLoadedWhileTheKeyWasInvalidatedIsNotKeptLocally() throws Exception {
        String prefix = SharedRedis.key("race") + ":";
        QueryCache<String> cache = cache(prefix);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> stale = threads.submit(() -> cache.get("42", () -> {
                loading.countDown();
                release.await();
                return "before the change";
            }));
            loading.await();
            cache.invalidate("42"); // the row changed while the old value was being read
            release.countDown();
            assertThat(stale.get(5, TimeUnit.SECONDS)).isEqualTo("before the change");
        }
        redis.client().del(prefix + "42"); // what a second invalidation after the change would do
        assertThat(cache.get("42", () -> "after the change")).isEqualTo("after the change");
    }

    @Test
    void aFailedLoadReachesEveryWaiterAndIsNotCached() throws Exception {
        QueryCache<String> cache = cache(SharedRedis.key("fail") + ":");
        assertThatThrownBy(() -> cache.get("1", () -> { throw new IOException("database down"); }))
                .isInstanceOf(IOException.class).hasMessage("database down");
        assertThat(cache.get("1", () -> "recovered")).isEqualTo("recovered");
    }
}
