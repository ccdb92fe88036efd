package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.pool.PoolConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Optimistic WATCH transactions against the shared Redis on 6379. */
class WatchTest {
    private static RedisPool redis;

    @BeforeAll
    static void open() {
        redis = RedisPool.builder(SharedRedis.url()).pool(PoolConfig.builder().maxSize(8).build()).build();
    }

    @AfterAll
    static void close() {
        SharedRedis.deleteKeys();
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aRealConflictAbortsExecAndTheBodyRunsAgain() throws Exception {
        String key = SharedRedis.key("balance");
        redis.client().set(key, "100");
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        PipelineResults r = redis.watching(List.of(key), watch -> {
            attempts.add(watch.attempt());
            long balance = Long.parseLong(watch.jedis().get(key));
            if (watch.attempt() == 1) {
                redis.client().set(key, "500"); // another client writes between our read and EXEC
            }
            watch.multi(tx -> tx.set(key, Long.toString(balance + 10)));
        });
        assertThat(attempts).containsExactly(1, 2);
        assertThat(r.get(0)).isEqualTo("OK");
        assertThat(redis.client().get(key)).isEqualTo("510");
        assertThat(redis.stats().leased()).isZero();
    }

    @Test
    void runningOutOfAttemptsFailsClearlyAndAppliesNothing() {
        String key = SharedRedis.key("contended");
        redis.client().set(key, "0");
        AtomicInteger runs = new AtomicInteger();
        OptimisticRetry retry = OptimisticRetry.attempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5));
        assertThatThrownBy(() -> redis.watching(List.of(key), retry, watch -> {
            runs.incrementAndGet();
            watch.jedis().get(key);
            redis.client().incr(key); // always conflicts
            watch.multi(tx -> tx.set(key, "mine"));
        })).isInstanceOfSatisfying(WatchConflictException.class, e -> {
            assertThat(e.attempts()).isEqualTo(3);
            assertThat(e.keys()).containsExactly(key);
            assertThat(e.getMessage()).contains("3 time(s)").contains("maxAttempts").contains(key);
        });
        assertThat(runs.get()).isEqualTo(3);
        assertThat(redis.client().get(key)).isEqualTo("3");
        assertThat(redis.stats().leased()).isZero();
    }

    @Test
    void concurrentIncrementsThroughWatchLoseNoUpdate() throws Exception {
        String key = SharedRedis.key("counter");
        redis.client().set(key, "0");
        OptimisticRetry retry = OptimisticRetry.attempts(1000).backoff(Duration.ofMillis(1), Duration.ofMillis(10));
        AtomicInteger conflicts = new AtomicInteger();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                work.add(threads.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        redis.watching(List.of(key), retry, watch -> {
                            if (watch.attempt() > 1) {
                                conflicts.incrementAndGet();
                            }
                            long value = Long.parseLong(watch.jedis().get(key));
                            watch.multi(tx -> tx.set(key, Long.toString(value + 1)));
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        }
        assertThat(redis.client().get(key)).isEqualTo("320");
        assertThat(redis.stats().leased()).isZero();
    }

    @Test
    void aFailingBodyIsNotRetriedAndAppliesNothing() {
        String key = SharedRedis.key("failing");
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> redis.watching(List.of(key), watch -> {
            runs.incrementAndGet();
            watch.multi(tx -> tx.set(key, "never"));
            throw new IllegalStateException("business rule violated");
        })).hasMessage("business rule violated");
        assertThat(runs.get()).isEqualTo(1);
        assertThat(redis.client().get(key)).isNull();
        assertThat(redis.stats().leased()).isZero();
    }

    @Test
    void aReadOnlyBodyReturnsNoRepliesAndLeavesNoWatchBehind() throws Exception {
        String key = SharedRedis.key("readonly");
        redis.client().set(key, "1");
        try (RedisPool single = RedisPool.builder(SharedRedis.url()).pool(PoolConfig.builder().maxSize(1).build()).build()) {
            PipelineResults r = single.watching(List.of(key), watch -> watch.jedis().get(key));
            assertThat(r.size()).isZero();
            // same connection (maxSize 1): had the WATCH survived, this write would abort the EXEC below
            redis.client().set(key, "2");
            PipelineResults exec = single.transaction(tx -> tx.get(key));
            assertThat(exec).isNotNull();
            assertThat(exec.get(0)).isEqualTo("2");
        }
    }

    @Test
    void emptyKeyListIsRejectedWithAHint() {
        assertThatThrownBy(() -> redis.watching(List.of(), watch -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RedisPool.transaction");
    }
}
