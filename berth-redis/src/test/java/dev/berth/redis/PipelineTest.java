package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.pool.PoolConfig;
import dev.berth.scope.Scopes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;

/** Pipelines and MULTI/EXEC against a private redis-server (its INFO counters see only this test's traffic). */
class PipelineTest {
    private static PrivateRedis server;

    @BeforeAll
    static void startServer() throws Exception {
        server = PrivateRedis.launch();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static RedisPool pool(int maxSize) {
        return RedisPool.builder(server.url()).pool(PoolConfig.builder().maxSize(maxSize).build()).build();
    }

    @Test
    void repliesComeBackInOrderWithAFailedCommandsErrorInItsSlot() throws Exception {
        String key = SharedRedis.key("p");
        try (RedisPool redis = pool(1)) {
            PipelineResults r = redis.pipelined(p -> {
                p.set(key, "berth");
                p.incr(key);
                p.get(key);
            });
            assertThat(r.size()).isEqualTo(3);
            assertThat(r.get(0)).isEqualTo("OK");
            assertThat(r.failed(1)).isTrue();
            assertThat(r.error(1)).get().extracting(Throwable::getMessage).asString().contains("not an integer");
            assertThatThrownBy(() -> r.get(1)).isInstanceOf(JedisDataException.class).hasMessageContaining("command #1");
            assertThat(r.get(2)).isEqualTo("berth");
            assertThat(redis.stats().leased()).isZero();
            assertThat(redis.stats().destroyed()).isZero();
        }
    }

    @Test
    void pipelineScopeFillsJedisResponsesOnExit() throws Exception {
        String key = SharedRedis.key("scope");
        try (RedisPool redis = pool(1)) {
            Response<Long> counter = Scopes.using(redis.pipeline(), p -> {
                p.incr(key);
                return p.incrBy(key, 41);
            });
            assertThat(counter.get()).isEqualTo(42L);
        }
    }

    @Test
    void aPipelineOfAHundredCommandsIsOneRoundTrip() throws Exception {
        String key = SharedRedis.key("rt");
        try (RedisPool redis = pool(1)) {
            redis.client().del(key); // the connection exists before counting
            long incrsBefore = server.calls("incr");
            long readsBefore = server.info("total_reads_processed");
            redis.pipelined(p -> {
                for (int i = 0; i < 100; i++) {
                    p.incr(key);
                }
            });
            long reads = server.info("total_reads_processed") - readsBefore;
            assertThat(server.calls("incr") - incrsBefore).isEqualTo(100);
            // one read event for the pipeline, one for the INFO call that measures it (a command each would be 100)
            assertThat(reads).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void withoutAPipelineTheSameCommandsAreAHundredRoundTrips() {
        String key = SharedRedis.key("rt");
        try (RedisPool redis = pool(1)) {
            redis.client().del(key);
            long readsBefore = server.info("total_reads_processed");
            for (int i = 0; i < 100; i++) {
                redis.client().incr(key);
            }
            assertThat(server.info("total_reads_processed") - readsBefore).isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void aFailingBodySendsNothingAndDestroysTheConnection() {
        String key = SharedRedis.key("abandoned");
        try (RedisPool redis = pool(1)) {
            assertThatThrownBy(() -> redis.pipelined(p -> {
                p.set(key, "never");
                throw new IllegalStateException("boom");
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
            assertThat(redis.client().get(key)).isNull();
            assertThat(redis.stats().destroyed()).isEqualTo(1);
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void multiExecAppliesEverythingInOneRoundTripWithErrorsInTheirSlots() throws Exception {
        String key = SharedRedis.key("tx");
        String list = SharedRedis.key("list");
        try (RedisPool redis = pool(1)) {
            redis.client().rpush(list, "x");
            redis.client().del(key);
            long readsBefore = server.info("total_reads_processed");
            PipelineResults r = redis.transaction(tx -> {
                tx.set(key, "1");
                tx.incr(list);           // WRONGTYPE at EXEC time; the others still apply
                tx.incr(key);
            });
            assertThat(server.info("total_reads_processed") - readsBefore).isLessThanOrEqualTo(2);
            assertThat(r.get(0)).isEqualTo("OK");
            assertThat(r.failed(1)).isTrue();
            assertThat(r.get(2)).isEqualTo(2L);
            assertThat(redis.client().get(key)).isEqualTo("2");
        }
    }

    @Test
    void aFailingTransactionBodyDiscardsEverything() {
        String key = SharedRedis.key("discarded");
        try (RedisPool redis = pool(1)) {
            assertThatThrownBy(() -> redis.transaction(tx -> {
                tx.set(key, "never");
                throw new IllegalStateException("boom");
            })).hasMessage("boom");
            assertThat(redis.client().get(key)).isNull();
            assertThat(redis.stats().destroyed()).isZero();
            assertThat(server.calls("discard")).isPositive();
        }
    }

    @Test
    void thousandsOfPipelinesWithInjectedErrorsLeakNoConnection() throws Exception {
        String key = SharedRedis.key("stress");
        String wrongType = SharedRedis.key("wrong");
        int maxSize = 4;
        AtomicInteger bodyFailures = new AtomicInteger();
        AtomicInteger ioFailures = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        try (RedisPool redis = pool(maxSize)) {
            redis.client().rpush(wrongType, "x");
            long clientsBefore = server.info("connected_clients");
            CountDownLatch killerStopped = new CountDownLatch(1);
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                threads.submit(() -> {      // injects I/O errors: kills the pool's connections again and again
                    try (Jedis admin = server.admin()) {
                        while (running.get()) {
                            admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.NORMAL)
                                    .skipMe(ClientKillParams.SkipMe.YES));
                            admin.ping();
                        }
                    } finally {
                        killerStopped.countDown();
                    }
                    return null;
                });
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    int n = i;
                    work.add(threads.submit(() -> {
                        try {
                            PipelineResults r = redis.pipelined(p -> {
                                p.incr(key);
                                p.incr(wrongType);
                                if (n % 3 == 0) {
                                    throw new IllegalArgumentException("injected");
                                }
                                p.get(key);
                            });
                            assertThat(r.failed(1)).isTrue();
                            completed.incrementAndGet();
                        } catch (IllegalArgumentException e) {
                            bodyFailures.incrementAndGet();
                        } catch (JedisConnectionException | dev.berth.pool.PoolException e) {
                            ioFailures.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
                running.set(false);
                killerStopped.await();
            }
            assertThat(bodyFailures.get()).isEqualTo(1000);
            assertThat(completed.get() + ioFailures.get()).isEqualTo(2000);
            assertThat(ioFailures.get()).as("the killer injected I/O errors").isPositive();
            assertThat(redis.stats().leased()).isZero();
            assertThat(redis.stats().total()).isLessThanOrEqualTo(maxSize);
            assertThat(redis.stats().created() - redis.stats().destroyed()).isEqualTo(redis.stats().total());
            assertThat(server.info("connected_clients")).isLessThanOrEqualTo(clientsBefore + maxSize);
            assertThat(redis.pipelined(p -> p.exists(key)).get(0)).isEqualTo(true);
        }
    }
}
