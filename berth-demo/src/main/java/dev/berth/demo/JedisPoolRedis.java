package dev.berth.demo;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The demo's Redis on Jedis's own {@link JedisPool} (commons-pool2), for the side-by-side comparison with
 * {@link BerthRedis}: the same keys, TTL, pipeline and channel, written the way a JedisPool user would (a resource
 * per operation, a pub/sub loop on a connection of its own, no reconnection). Borrow waits and hold times go to
 * Micrometer timers of this class, since commons-pool2 keeps only means.
 *
 * <p>Jedis 7 deprecated {@code JedisPool} in favour of {@code RedisClient}; it is still the pool most applications
 * run, which is what the comparison is about.
 */
@SuppressWarnings("deprecation")
final class JedisPoolRedis implements DemoRedis {
    static final String POOL = "redis";
    private static final long CACHE_TTL_MILLIS = Duration.ofMinutes(1).toMillis();

    private final HostAndPort server;
    private final JedisClientConfig clientConfig;
    private final JedisPool pool;
    private final Timer acquire;
    private final Timer hold;
    private final Counter timeouts;
    private final String accountPrefix;
    private final String counters;
    private final String channel;
    private final MeterRegistry registry;

    JedisPoolRedis(String url, String namespace, int poolSize, Duration acquireTimeout, MeterRegistry registry) {
        URI uri = URI.create(url);
        if (!JedisURIHelper.isValid(uri)) {
            throw new IllegalArgumentException("REDIS_URL is not a redis:// or rediss:// URL with a host and port, such as "
                    + "redis://127.0.0.1:6379/0");
        }
        this.server = JedisURIHelper.getHostAndPort(uri);
        // RESP2, as berth's RedisPool speaks (and without Jedis's warning about auto-negotiation).
        this.clientConfig = DefaultJedisClientConfig.builder()
                .user(JedisURIHelper.getUser(uri)).password(JedisURIHelper.getPassword(uri))
                .database(JedisURIHelper.getDBIndex(uri)).ssl(JedisURIHelper.isRedisSSLScheme(uri))
                .timeoutMillis(2_000).clientName("berth-demo").autoNegotiateProtocol(false).build();
        GenericObjectPoolConfig<Jedis> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(poolSize);
        config.setMaxIdle(poolSize);
        config.setMaxWait(acquireTimeout);
        config.setJmxEnabled(false);
        this.pool = new JedisPool(config, server, clientConfig);
        this.registry = registry;
        this.acquire = Timer.builder("demo.jedis.pool.acquire").description("Time callers waited for a JedisPool resource")
                .tag("pool", POOL).publishPercentiles(0.5, 0.99, 0.999).register(registry);
        this.hold = Timer.builder("demo.jedis.pool.hold").description("Time JedisPool resources were held")
                .tag("pool", POOL).publishPercentiles(0.5, 0.99, 0.999).register(registry);
        this.timeouts = Counter.builder("demo.jedis.pool.timeouts").description("Borrows that found no free resource in time")
                .tag("pool", POOL).register(registry);
        registry.gauge("demo.jedis.pool.active", List.of(io.micrometer.core.instrument.Tag.of("pool", POOL)), pool, JedisPool::getNumActive);
        registry.gauge("demo.jedis.pool.idle", List.of(io.micrometer.core.instrument.Tag.of("pool", POOL)), pool, JedisPool::getNumIdle);
        registry.gauge("demo.jedis.pool.waiting", List.of(io.micrometer.core.instrument.Tag.of("pool", POOL)), pool, JedisPool::getNumWaiters);
        String prefix = DemoRedis.prefix(namespace);
        this.accountPrefix = prefix + "account:";
        this.counters = prefix + "requests";
        this.channel = prefix + "transfers";
    }

    private <T> T with(Function<Jedis, T> body) {
        long asked = System.nanoTime();
        Jedis jedis;
        try {
            jedis = pool.getResource();
        } catch (JedisException e) {
            if (e.getCause() instanceof NoSuchElementException) {
                timeouts.increment();
            }
            throw e;
        }
        long leased = System.nanoTime();
        acquire.record(leased - asked, TimeUnit.NANOSECONDS);
        try {
            return body.apply(jedis);
        } finally {
            jedis.close();
            hold.record(System.nanoTime() - leased, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public Account account(long id, Callable<Account> loader) throws Exception {
        String key = accountPrefix + id;
        String cached = with(j -> j.get(key));
        if (cached != null) {
            return Json.read(cached, Account.class);
        }
        Account loaded = loader.call();
        if (loaded != null) {
            String text = Json.text(loaded);
            with(j -> j.set(key, text, SetParams.setParams().px(CACHE_TTL_MILLIS)));
        }
        return loaded;
    }

    @Override
    public void forgetAccount(long id) {
        with(j -> j.del(accountPrefix + id));
    }

    @Override
    public long[] countRequests(long... ids) {
        return with(j -> {
            Pipeline p = j.pipelined();
            List<Response<Long>> replies = new java.util.ArrayList<>(ids.length);
            for (long id : ids) {
                replies.add(p.hincrBy(counters, Long.toString(id), 1));
            }
            p.sync();
            long[] counts = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                counts[i] = replies.get(i).get();
            }
            return counts;
        });
    }

    @Override
    public void publish(String message) {
        with(j -> j.publish(channel, message));
    }

    @Override
    public AutoCloseable subscribe(Consumer<String> handler) throws InterruptedException {
        CountDownLatch live = new CountDownLatch(1);
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onSubscribe(String subscribed, int count) {
                live.countDown();
            }

            @Override
            public void onMessage(String from, String message) {
                handler.accept(message);
            }
        };
        Jedis dedicated = new Jedis(server, clientConfig);   // SUBSCRIBE then waits without a read timeout
        Thread reader = Thread.ofVirtual().name("demo-jedis-subscriber").start(() -> {
            try {
                dedicated.subscribe(listener, channel);
            } catch (JedisException e) {
                // closed, or the connection was lost: JedisPool's pub/sub does not reconnect
                if (!dedicated.isConnected()) {
                    return;
                }
                System.getLogger(JedisPoolRedis.class.getName()).log(System.Logger.Level.WARNING,
                        "the subscription to " + channel + " ended: " + e);
            }
        });
        AutoCloseable subscription = () -> {
            try {
                if (listener.isSubscribed()) {
                    listener.unsubscribe();
                }
            } catch (JedisException e) {
                // the connection is gone already
            } finally {
                dedicated.close();
                reader.join(5_000);
            }
        };
        if (!live.await(10, TimeUnit.SECONDS)) {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // reported below
            }
            throw new IllegalStateException("the subscription to Redis channel " + channel + " was not live after 10 s; is Redis reachable?");
        }
        return subscription;
    }

    @Override
    public void ping() {
        with(Jedis::ping);
    }

    @Override
    public PoolView pool() {
        return () -> {
            int active = pool.getNumActive();
            int idle = pool.getNumIdle();
            return new PoolView.Snapshot(POOL, "redis", pool.getMaxTotal(), active + idle, idle, active, pool.getNumWaiters(),
                    pool.getCreatedCount(), pool.getDestroyedCount(), (long) timeouts.count(), 0, false, 0,
                    PoolView.Latency.of(acquire), PoolView.Latency.of(hold), List.of());
        };
    }

    @Override
    public void close() {
        pool.close();
        registry.remove(acquire);
        registry.remove(hold);
        registry.remove(timeouts);
    }

    @Override
    public String toString() {
        return "JedisPool on " + server;
    }
}
