package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolException;
import dev.berth.pool.PoolTimeoutException;
import dev.berth.scope.Scopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.ClientKillParams;

/** RedisPool against a private redis-server (killing connections must not disturb anyone else). */
class RedisPoolTest {
    @RegisterExtension
    static final PrivateRedisPerClass REDIS = new PrivateRedisPerClass();

    private static RedisPool pool(PoolConfig.Builder config) {
        return RedisPool.builder(REDIS.server().url()).pool(config.build()).build();
    }

    private static void killAllPooledConnections() {
        try (Jedis admin = REDIS.server().admin()) {
            admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.NORMAL).skipMe(ClientKillParams.SkipMe.YES));
        }
    }

    @Test
    void clientRunsEveryCommandOnABerthLease() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(2))) {
            String key = SharedRedis.key("client");
            redis.client().set(key, "v");
            assertThat(redis.client().get(key)).isEqualTo("v");
            assertThat(redis.stats().acquired()).isEqualTo(2);
            assertThat(redis.stats().leased()).isZero();
            assertThat(redis.stats().total()).isEqualTo(1);
        }
    }

    @Test
    void withoutAutoPipeliningEachCommandLeasesThroughJedisConnectionProvider() {
        try (RedisPool redis = RedisPool.builder(REDIS.server().url()).pool(PoolConfig.builder().maxSize(2).build())
                .autoPipelining(0).build()) {
            String key = SharedRedis.key("provider");
            redis.client().set(key, "v");
            assertThat(redis.client().get(key)).isEqualTo("v");
            assertThat(redis.stats().acquired()).isEqualTo(2);
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void reportNamesWhoHoldsTheConnectionsTheirStateAndCallSite() {
        try (RedisPool redis = pool(PoolConfig.builder().name("redis-report").maxSize(2));
             Jedis held = redis.lease()) {
            held.ping();
            var report = redis.report();
            assertThat(report.stats().leased()).isEqualTo(1);
            assertThat(report.holders()).hasSize(1);
            assertThat(report.holders().getFirst().state()).isEqualTo("leased Jedis");
            assertThat(report.holders().getFirst().thread()).isEqualTo(Thread.currentThread().getName());
            assertThat(String.valueOf(report.holders().getFirst().site()))
                    .contains("RedisPoolTest.reportNamesWhoHoldsTheConnectionsTheirStateAndCallSite");
            assertThat(report.toString()).contains("pool 'redis-report'").contains("leased Jedis");
        }
    }

    @Test
    void aJedisClientOfYourOwnRunsOnTheSamePool() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(2));
             RedisClient own = RedisClient.builder()
                     .connectionProvider(redis.connectionProvider()).build()) {
            long before = redis.stats().acquired(); // building the client may already have asked the server something
            assertThat(own.ping()).isEqualTo("PONG");
            assertThat(redis.stats().acquired()).isEqualTo(before + 1);
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void manyVirtualThreadsShareAtMostMaxSizeConnections() throws Exception {
        String key = SharedRedis.key("counter");
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(4));
             var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                done.add(threads.submit(() -> {
                    for (int j = 0; j < 10; j++) {
                        redis.client().incr(key);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(redis.client().get(key)).isEqualTo("2000");
            assertThat(redis.stats().created()).isLessThanOrEqualTo(4);
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void connectionBrokenByAnIoErrorIsDestroyedNotReturned() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1).validateAfterIdle(Duration.ofHours(1)))) {
            redis.client().ping();
            killAllPooledConnections();
            assertThatThrownBy(() -> redis.client().ping()).isInstanceOf(JedisConnectionException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.stats().destroyed() == 1);
            assertThat(redis.stats().leased()).isZero();
            assertThat(redis.client().ping()).isEqualTo("PONG");
            assertThat(redis.stats().created()).isEqualTo(2);
        }
    }

    @Test
    void idleConnectionIsValidatedByPingBeforeItIsLent() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1).validateAfterIdle(Duration.ZERO))) {
            redis.client().ping();
            killAllPooledConnections();
            assertThat(redis.client().get(SharedRedis.key("absent"))).isNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.stats().destroyed() == 1);
        }
    }

    @Test
    void keepaliveSendsPingToIdleConnections() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1).minIdle(1)
                .keepaliveTime(Duration.ofMillis(50)).housekeepingPeriod(Duration.ofMillis(50)))) {
            long before = REDIS.server().calls("ping");
            await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.server().calls("ping") >= before + 2);
            assertThat(redis.stats().total()).isEqualTo(1);
        }
    }

    @Test
    void connectionsAreRecycledAfterTheirLifetime() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1).maxLifetime(Duration.ofMillis(200))
                .lifetimeJitter(Duration.ofMillis(10)).housekeepingPeriod(Duration.ofMillis(50)))) {
            long firstId;
            try (Jedis one = redis.lease()) {
                firstId = one.clientId();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.stats().destroyed() >= 1);
            try (Jedis one = redis.lease()) {
                assertThat(one.clientId()).isNotEqualTo(firstId);
            }
        }
    }

    @Test
    void leaseKeepsOneConnectionForBlockingCommands() throws Exception {
        String queue = SharedRedis.key("queue");
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(2))) {
            CompletableFuture<List<String>> popped;
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                popped = CompletableFuture.supplyAsync(() -> {
                    try (Jedis one = redis.lease()) {
                        return one.blpop(5, queue);
                    }
                }, threads);
                await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.server().info("blocked_clients") == 1);
                redis.client().rpush(queue, "job-1");
                assertThat(popped.get()).containsExactly(queue, "job-1");
            }
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void returnedLeaseIsResetToTheUrlsDatabase() throws Exception {
        String key = SharedRedis.key("db2");
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1))) {
            Scopes.run(redis.leaseScope(), one -> {
                one.select(2);
                one.set(key, "in-db-2");
            });
            assertThat(redis.client().get(key)).isNull();
            assertThat(redis.stats().destroyed()).isZero();
            try (Jedis admin = REDIS.server().admin()) {
                admin.select(2);
                assertThat(admin.get(key)).isEqualTo("in-db-2");
            }
        }
    }

    @Test
    void aMultiLeftOpenOnALeaseIsDiscardedBeforeTheConnectionIsLentAgain() throws Exception {
        String key = SharedRedis.key("abandoned-multi");
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1))) {
            Scopes.run(redis.leaseScope(), one -> {
                one.sendCommand(Protocol.Command.MULTI);
                one.sendCommand(Protocol.Command.SET, key, "never");
            });
            assertThat(redis.client().get(key)).isNull();
            assertThat(redis.stats().destroyed()).isZero();
            assertThat(REDIS.server().calls("discard")).isPositive();
        }
    }

    @Test
    void closingALeasedJedisTwiceDoesNotEndSomeoneElsesLease() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(1).acquireTimeout(Duration.ofMillis(200)))) {
            Jedis first = redis.lease();
            first.close();
            try (Jedis second = redis.lease()) {   // the same connection, now someone else's
                first.close();
                assertThat(redis.stats().leased()).isEqualTo(1);
                assertThat(second.ping()).isEqualTo("PONG");
            }
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void starvedCallerGetsAPoolTimeoutThatExplainsThePool() {
        try (RedisPool redis = pool(PoolConfig.builder().name("tiny").maxSize(1).acquireTimeout(Duration.ofMillis(100)));
             Jedis held = redis.lease()) {
            assertThat(held.ping()).isEqualTo("PONG");
            assertThatThrownBy(() -> redis.client().ping())
                    .isInstanceOf(PoolTimeoutException.class).hasMessageContaining("tiny");
        }
    }

    /**
     * Redis gone while one connection is still leased: the caller's timeout does not blame the holder or ask for a
     * bigger pool, it says the pool cannot create more connections and carries Jedis's failure as its cause.
     */
    @Test
    void aTimeoutWhileRedisIsDownSaysCreationFailsAndCarriesTheCause() throws Exception {
        try (PrivateRedis own = PrivateRedis.launch();
             RedisPool redis = RedisPool.builder("redis://127.0.0.1:" + own.port() + "/0")
                     .pool(PoolConfig.builder().name("gone").maxSize(2).acquireTimeout(Duration.ofMillis(1500)).build()).build();
             Jedis held = redis.lease()) {
            assertThat(held.ping()).isEqualTo("PONG");
            own.kill();

            PoolTimeoutException timeout = org.junit.jupiter.api.Assertions.assertThrows(PoolTimeoutException.class,
                    () -> redis.client().ping());

            assertThat(timeout.getMessage()).contains("gone").contains("cannot create more").doesNotContain("raise maxSize");
            assertThat(timeout.getCause()).isInstanceOf(JedisConnectionException.class);
        }
    }

    @Test
    void credentialsFromTheUrlLogInButNeverShow() throws Exception {
        try (PrivateRedis secured = PrivateRedis.withUser("alice", "s3cret-pw");
             RedisPool redis = RedisPool.open("redis://alice:s3cret-pw@127.0.0.1:" + secured.port() + "/0")) {
            assertThat(redis.client().ping()).isEqualTo("PONG");
            assertThat(redis.toString()).contains("alice:***@").doesNotContain("s3cret");
            assertThat(redis.url().toString()).doesNotContain("s3cret");
        }
    }

    @Test
    void wrongPasswordFailsWithTheServersReasonAndWithoutThePassword() throws Exception {
        try (PrivateRedis secured = PrivateRedis.withUser("alice", "s3cret-pw");
             RedisPool redis = RedisPool.builder("redis://alice:wrong-pw@127.0.0.1:" + secured.port() + "/0")
                     .pool(PoolConfig.builder().acquireTimeout(Duration.ofSeconds(2)).build()).build()) {
            Throwable failure = org.junit.jupiter.api.Assertions.assertThrows(PoolException.class, () -> redis.client().ping());
            StringBuilder all = new StringBuilder();
            for (Throwable t = failure; t != null; t = t.getCause()) {
                all.append(t).append('\n');
            }
            assertThat(all.toString()).contains("WRONGPASS").contains("alice:***@").doesNotContain("wrong-pw");
        }
    }

    @Test
    void closingThePoolClosesItsConnectionsOnTheServer() {
        AtomicInteger before = new AtomicInteger((int) REDIS.server().info("connected_clients"));
        RedisPool redis = pool(PoolConfig.builder().maxSize(3).minIdle(3));
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.stats().total() == 3);
        redis.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.server().info("connected_clients") == before.get());
        assertThat(redis.stats().total()).isZero();
    }

    @Test
    void evictReplacesThePooledConnections() {
        try (RedisPool redis = pool(PoolConfig.builder().maxSize(2))) {
            String key = SharedRedis.key("evict");
            redis.client().set(key, "before");
            assertThat(redis.stats().created()).isEqualTo(1);

            redis.evict();

            await().atMost(Duration.ofSeconds(5)).until(() -> redis.stats().destroyed() == 1);
            assertThat(redis.client().get(key)).isEqualTo("before");
            assertThat(redis.stats().created()).isEqualTo(2);
            assertThat(redis.stats().total()).isEqualTo(1);
        }
    }
}
