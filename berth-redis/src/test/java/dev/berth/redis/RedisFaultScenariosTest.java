package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolStats;
import dev.berth.testing.CallerLoad;
import dev.berth.testing.FaultProxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Network failures injected for real, under load: a {@link FaultProxy} on loopback between a {@link RedisPool}
 * and Redis, and 200 virtual threads writing fresh keys through it (auto-pipelined, the default). For each
 * failure: no caller waits longer than its bound, every acknowledged write is in Redis, nothing stays leased or
 * waiting, and writes succeed again within a second of the network healing.
 *
 * <p>The bound of an auto-pipelined command is acquireTimeout + socketTimeout from the moment it is queued, also when
 * it queues behind a batch stuck on a dead connection: its own batch leases only for what is left of it.
 */
class RedisFaultScenariosTest {

    private static final int CALLERS = 200;
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(2);
    /**
     * What a loaded 2-core machine adds to a bound: scheduling 200 threads, the proxy's copying, GC. Below the 5 s
     * partition minus the bound, so a command held for the whole partition fails the test.
     */
    private static final long SLACK_MS = 500;

    private URI server;
    private FaultProxy proxy;
    private RedisPool redis;
    private CallerLoad load;
    private String prefix;

    @BeforeEach
    void proxyAndPool() {
        server = URI.create(SharedRedis.url());
        proxy = FaultProxy.start(server.getHost(), server.getPort());
        redis = RedisPool.builder("redis://" + proxy.host() + ":" + proxy.port() + "/0")
                .socketTimeout(SOCKET_TIMEOUT).connectTimeout(Duration.ofSeconds(1))
                .pool(PoolConfig.builder().name("redis-faults").maxSize(8).acquireTimeout(ACQUIRE_TIMEOUT)
                        .createTimeout(Duration.ofSeconds(1)).validationTimeout(Duration.ofSeconds(1)).build())
                .build();
    }

    @AfterEach
    void close() throws Exception {
        if (load != null) {
            load.stop();
        }
        if (redis != null) {
            redis.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        SharedRedis.deleteKeys();
    }

    @Test
    void everyConnectionResetUnderLoad() throws Exception {
        load = writing(SharedRedis.key("faults"));
        load.awaitSuccesses(2_000);

        proxy.resetAll();
        load.healedAt(System.nanoTime());

        load.awaitRecovery();
        load.awaitSuccessesAfter(2_000);
        assertThat(proxy.resets()).isPositive();
        assertBoundsHeld();
    }

    @Test
    void aFiveSecondPartitionUnderLoad() throws Exception {
        load = writing(SharedRedis.key("faults"));
        load.awaitSuccesses(2_000);
        long failuresBefore = load.failures.get();

        proxy.blackhole();
        long partitioned = System.nanoTime();
        await("callers see the partition as failures, not as a hang").atMost(Duration.ofSeconds(10))
                .until(() -> load.failures.get() > failuresBefore + CALLERS);
        // the fault's length, not a synchronisation: the partition lasts 5 s
        Thread.sleep(Duration.ofNanos(Math.max(0, partitioned + TimeUnit.SECONDS.toNanos(5) - System.nanoTime())));
        proxy.heal();
        load.healedAt(System.nanoTime());

        load.awaitRecovery();
        load.awaitSuccessesAfter(2_000);
        assertBoundsHeld();
    }

    /** 200 virtual threads, each writing a fresh key under {@code keys} through the pool's client, again and again. */
    private CallerLoad writing(String keys) {
        prefix = keys;
        return CallerLoad.start("redis-fault-load", CALLERS, id -> redis.client().set(keys + ":" + id, "1"));
    }

    private void assertBoundsHeld() throws InterruptedException {
        load.stop();
        long longest = TimeUnit.NANOSECONDS.toMillis(load.longest.get());
        long recovered = load.recoveryMillis();
        long bound = ACQUIRE_TIMEOUT.toMillis() + SOCKET_TIMEOUT.toMillis();
        System.out.printf("RedisFaultScenariosTest: %d writes acknowledged, %d failed, longest call %d ms (bound %d ms),"
                + " recovered %d ms after healing%n", load.acknowledged.size(), load.failures.get(), longest, bound, recovered);
        assertThat(longest).as("the longest a caller waited, in ms").isLessThanOrEqualTo(bound + SLACK_MS);
        assertThat(recovered).as("ms from healing to the first write that started after it and succeeded")
                .isLessThanOrEqualTo(1_000);
        await("nothing stays leased or waiting").atMost(Duration.ofSeconds(5)).until(() -> {
            PoolStats stats = redis.stats();
            return stats.leased() == 0 && stats.waiting() == 0;
        });
        await("no socket left open but the pool's own connections").atMost(Duration.ofSeconds(10))
                .until(() -> proxy.open() <= redis.stats().total());
        try (Jedis direct = new Jedis(server.getHost(), server.getPort())) {
            List<Long> missing = new ArrayList<>();
            for (long id : load.acknowledged) {
                if (!direct.exists(prefix + ":" + id)) {
                    missing.add(id);
                }
            }
            assertThat(missing).as("acknowledged writes missing from Redis").isEmpty();
        }
    }
}
