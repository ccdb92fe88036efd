package dev.berth.demo;

import dev.berth.micrometer.PoolMetrics;
import dev.berth.pool.PoolConfig;
import dev.berth.redis.PipelineResults;
import dev.berth.redis.QueryCache;
import dev.berth.redis.RedisPool;
import dev.berth.redis.Subscription;
import dev.berth.redis.SubscriptionEvent;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The demo's Redis on berth: a {@link RedisPool} (auto-pipelined commands, call sites recorded), the account cache
 * as a {@link QueryCache}, counters in {@link RedisPool#pipelined}, events on a supervised {@link Subscription} that
 * re-subscribes after a Redis restart.
 */
final class BerthRedis implements DemoRedis {
    static final String POOL = "redis";

    private final RedisPool redis;
    private final PoolMetrics metrics;
    private final QueryCache<Account> accounts;
    private final String counters;
    private final String channel;
    private final PoolView view;
    private final Backends.Drains drains;

    BerthRedis(String url, String namespace, int poolSize, Duration acquireTimeout, MeterRegistry registry,
            Backends.Drains drains) {
        this.drains = drains;
        PoolMetrics m = PoolMetrics.of(registry, POOL, "redis");
        try {
            this.redis = RedisPool.builder(url)
                    .clientName("berth-demo")
                    .pool(PoolConfig.builder().name(POOL).maxSize(poolSize).acquireTimeout(acquireTimeout)
                            .callSites(true).listener(m).build())
                    .build();
            m.bindTo(redis::stats);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.metrics = m;
        String prefix = DemoRedis.prefix(namespace);
        // The in-process tier is off: every lookup asks Redis, as in the JedisPool wiring, and an invalidation
        // is seen at once by every demo process on the same database.
        this.accounts = QueryCache.<Account>builder(redis, Json::text, text -> Json.read(text, Account.class))
                .prefix(prefix + "account:")
                .ttl(Duration.ofMinutes(1))
                .localSize(0)
                .build();
        this.counters = prefix + "requests";
        this.channel = prefix + "transfers";
        this.view = PoolView.berth(POOL, "redis", redis::stats, redis::report, registry);
    }

    @Override
    public Account account(long id, Callable<Account> loader) throws Exception {
        return accounts.get(Long.toString(id), loader);
    }

    @Override
    public void forgetAccount(long id) {
        accounts.invalidate(Long.toString(id));
    }

    @Override
    public long[] countRequests(long... ids) throws Exception {
        PipelineResults replies = redis.pipelined(p -> {
            for (long id : ids) {
                p.hincrBy(counters, Long.toString(id), 1);
            }
        });
        long[] counts = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            counts[i] = (Long) replies.get(i);
        }
        return counts;
    }

    @Override
    public void publish(String message) {
        redis.client().publish(channel, message);
    }

    @Override
    public AutoCloseable subscribe(Consumer<String> handler) throws InterruptedException {
        CountDownLatch live = new CountDownLatch(1);
        Subscription subscription = redis.subscriber()
                .channels(channel)
                .onMessage(m -> handler.accept(m.payload()))
                .onEvent(e -> {
                    if (e instanceof SubscriptionEvent.Subscribed) {
                        live.countDown();
                    }
                })
                .start();
        if (!live.await(10, TimeUnit.SECONDS)) {
            subscription.close();
            throw new IllegalStateException("the subscription to Redis channel " + channel + " at " + redis.url()
                    + " was not live after 10 s; is Redis reachable?");
        }
        return subscription;
    }

    @Override
    public void ping() {
        redis.client().ping();
    }

    @Override
    public PoolView pool() {
        return view;
    }

    @Override
    public void close() {
        try {
            drains.add("redis", redis.close(Backends.DRAIN_GRACE));
        } finally {
            metrics.close();
        }
    }

    @Override
    public String toString() {
        return "berth RedisPool on " + redis.url();
    }
}
