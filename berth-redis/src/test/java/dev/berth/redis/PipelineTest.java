package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.pool.PoolConfig;
import dev.berth.scope.Scopes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/** Pipelines and MULTI/EXEC against a private redis-server (its INFO counters see only this test's traffic). */
class PipelineTest {
    /** Jedis 8 dropped QUIT from its command list; the server still honours it: reply OK, then hang up. */
    private static final ProtocolCommand QUIT = () -> "QUIT".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** A command the server rejects when it is queued, so that EXEC answers EXECABORT. */
    private static final ProtocolCommand NO_SUCH_COMMAND = () -> "NOSUCHCOMMAND".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @RegisterExtension
    static final PrivateRedisPerClass REDIS = new PrivateRedisPerClass();

    private static RedisPool pool(int maxSize) {
        return RedisPool.builder(REDIS.server().url()).pool(PoolConfig.builder().maxSize(maxSize).build()).build();
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
            long incrsBefore = REDIS.server().calls("incr");
            long reads;
            try (Jedis admin = REDIS.server().admin()) {
                REDIS.server().awaitClients(admin, 2);
                long readsBefore = PrivateRedis.info(admin, "total_reads_processed");
                redis.pipelined(p -> {
                    for (int i = 0; i < 100; i++) {
                        p.incr(key);
                    }
                });
                reads = PrivateRedis.info(admin, "total_reads_processed") - readsBefore;
            }
            assertThat(REDIS.server().calls("incr") - incrsBefore).isEqualTo(100);
            // one read event for the pipeline, one for the INFO that measures it (a command each would be 100)
            assertThat(reads).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void withoutAPipelineTheSameCommandsAreAHundredRoundTrips() {
        String key = SharedRedis.key("rt");
        try (RedisPool redis = pool(1)) {
            redis.client().del(key);
            try (Jedis admin = REDIS.server().admin()) {
                REDIS.server().awaitClients(admin, 2);
                long readsBefore = PrivateRedis.info(admin, "total_reads_processed");
                for (int i = 0; i < 100; i++) {
                    redis.client().incr(key);
                }
                assertThat(PrivateRedis.info(admin, "total_reads_processed") - readsBefore).isGreaterThanOrEqualTo(100);
            }
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
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> redis.stats().destroyed() == 1);
            assertThat(redis.stats().leased()).isZero();
        }
    }

    @Test
    void multiExecAppliesEverythingInTwoRoundTripsWithErrorsInTheirSlots() throws Exception {
        String key = SharedRedis.key("tx");
        String list = SharedRedis.key("list");
        try (RedisPool redis = pool(1)) {
            redis.client().rpush(list, "x");
            redis.client().del(key);
            PipelineResults r;
            try (Jedis admin = REDIS.server().admin()) {
                REDIS.server().awaitClients(admin, 2);
                long readsBefore = PrivateRedis.info(admin, "total_reads_processed");
                r = redis.transaction(tx -> {
                    tx.set(key, "1");
                    tx.incr(list);           // WRONGTYPE at EXEC time; the others still apply
                    tx.incr(key);
                    for (int i = 0; i < 50; i++) {
                        tx.incr(key);
                    }
                });
                // MULTI + commands in one read, EXEC in another, plus the INFO that measures
                assertThat(PrivateRedis.info(admin, "total_reads_processed") - readsBefore).isLessThanOrEqualTo(3);
            }
            assertThat(r.get(0)).isEqualTo("OK");
            assertThat(r.failed(1)).isTrue();
            assertThat(r.get(2)).isEqualTo(2L);
            assertThat(r.size()).isEqualTo(53);
            assertThat(redis.client().get(key)).isEqualTo("52");
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
            assertThat(REDIS.server().calls("discard")).isPositive();
        }
    }

    @Test
    void aCommandRejectedAtQueueTimeAbortsTheTransactionAndKeepsTheConnection() {
        String key = SharedRedis.key("aborted");
        try (RedisPool redis = pool(1)) {
            assertThatThrownBy(() -> redis.transaction(tx -> {
                tx.set(key, "never");
                tx.sendCommand(NO_SUCH_COMMAND, new String[0]);
            })).isInstanceOf(JedisDataException.class).hasMessageContaining("EXECABORT");
            assertThat(redis.client().get(key)).isNull();   // on the same single connection: still in good order
            assertThat(redis.stats().destroyed()).isZero();
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
        try (RedisPool redis = pool(maxSize)) {
            redis.client().rpush(wrongType, "x");
            long clientsBefore = REDIS.server().info("connected_clients");
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    int n = i;
                    work.add(threads.submit(() -> {
                        try {
                            PipelineResults r = redis.pipelined(p -> {
                                p.incr(key);
                                p.incr(wrongType);                        // a server error in its slot
                                if (n % 3 == 0) {
                                    throw new IllegalArgumentException("injected");   // the body fails
                                }
                                if (n % 3 == 1) {
                                    p.sendCommand(QUIT, new String[0]);  // the server hangs up: an I/O error
                                }
                                p.get(key);
                            });
                            assertThat(r.failed(1)).isTrue();
                            completed.incrementAndGet();
                        } catch (IllegalArgumentException e) {
                            bodyFailures.incrementAndGet();
                        } catch (JedisConnectionException e) {
                            ioFailures.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
            }
            assertThat(bodyFailures.get()).isEqualTo(1000);
            assertThat(ioFailures.get()).isEqualTo(1000);
            assertThat(completed.get()).isEqualTo(1000);
            assertThat(redis.stats().leased()).isZero();
            assertThat(redis.stats().total()).isLessThanOrEqualTo(maxSize);
            // destruction runs on pool threads: wait for it, then every connection made is either alive or destroyed
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(
                    () -> redis.stats().created() - redis.stats().destroyed() == redis.stats().total());
            assertThat(redis.stats().destroyed()).isGreaterThanOrEqualTo(2000);
            assertThat(REDIS.server().info("connected_clients")).isLessThanOrEqualTo(clientsBefore + maxSize);
            assertThat(redis.pipelined(p -> p.exists(key)).get(0)).isEqualTo(true);
        }
    }
}
