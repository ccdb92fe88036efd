package dev.berth.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import redis.clients.jedis.params.SetParams;

/**
 * A read-through cache of a loader's results, in two tiers: an in-process LRU (Caffeine) in front of Redis.
 * {@link #get} answers from the local tier, else from Redis, else runs the loader and stores its result in
 * both (in Redis with a TTL). {@link #invalidate} drops a key from both tiers of this process and from Redis;
 * other processes keep their local copy until its (short) local TTL ends.
 *
 * {@snippet :
 * QueryCache<String> names = QueryCache.builder(redis, s -> s, s -> s)
 *         .prefix("user-name:")
 *         .ttl(Duration.ofMinutes(10))
 *         .localTtl(Duration.ofSeconds(5))
 *         .build();
 * String name = names.get("42", () -> database.loadUserName(42));
 * names.invalidate("42");   // after the name changed
 * }
 *
 * <p>Thread-safe. Concurrent {@code get}s of one key in one process run the loader once; the others wait
 * for its result. No lock is held while Redis or the loader runs, so a slow key delays only its own callers.
 * A {@code null} result is not cached.
 *
 * @param <V> the cached value type
 */
public final class QueryCache<V> {
    private final RedisPool redis;
    private final String prefix;
    private final Duration ttl;
    private final Function<? super V, String> encode;
    private final Function<String, ? extends V> decode;
    /** The in-process tier; {@code null} when it is off ({@code localSize(0)}). */
    private final Cache<String, V> local;
    /** Loads under way, one per key: later callers of the key wait for it instead of loading again. */
    private final ConcurrentHashMap<String, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
    private final AtomicLong localHits = new AtomicLong();
    private final AtomicLong redisHits = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();

    private QueryCache(Builder<V> b) {
        this.redis = b.redis;
        this.prefix = b.prefix;
        this.ttl = b.ttl;
        this.encode = b.encode;
        this.decode = b.decode;
        if (b.localSize == 0) {
            this.local = null;
        } else {
            Caffeine<Object, Object> caffeine = Caffeine.newBuilder().maximumSize(b.localSize);
            if (!b.localTtl.isZero()) {
                caffeine.expireAfterWrite(b.localTtl);
            }
            this.local = caffeine.build();
        }
    }

    /**
     * Starts configuring a cache.
     *
     * @param redis where the shared tier lives
     * @param encode turns a value into the text stored in Redis
     * @param decode turns that text back into a value
     * @param <V> the cached value type
     * @return a builder
     */
    public static <V> Builder<V> builder(RedisPool redis, Function<? super V, String> encode, Function<String, ? extends V> decode) {
        return new Builder<>(redis, encode, decode);
    }

    /**
     * The cached value of {@code key}, loading it on a miss in both tiers.
     *
     * @param key the key (the Redis key is the prefix plus this)
     * @param loader computes the value on a miss; its {@code null} is returned but not cached
     * @return the value, or {@code null} when the loader returned {@code null}
     * @throws Exception what the loader throws (nothing is cached then)
     */
    public V get(String key, Callable<? extends V> loader) throws Exception {
        Objects.requireNonNull(key, "key");
        if (local != null) {
            V hit = local.getIfPresent(key);
            if (hit != null) {
                localHits.incrementAndGet();
                return hit;
            }
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> running = loading.putIfAbsent(key, mine);
        if (running != null) {
            return await(running); // another caller is loading this key: its result serves both
        }
        try {
            V value = load(key, loader);
            // Only a load still registered may fill the local tier: an invalidate() meanwhile removed it, and the
            // value it read may predate the change that invalidated the key.
            if (local != null && value != null && loading.remove(key, mine)) {
                local.put(key, value);
            }
            mine.complete(value);
            return value;
        } catch (Exception | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(key, mine);
        }
    }

    private static <V> V await(CompletableFuture<V> running) throws Exception {
        try {
            return running.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception failure) {
                throw failure;
            }
            throw (Error) e.getCause();
        }
    }

    /** Redis, then the loader; no lock is held, so a slow loader or Redis delays only the callers of this key. */
    private V load(String key, Callable<? extends V> loader) throws Exception {
        String cached = redis.client().get(prefix + key);
        if (cached != null) {
            redisHits.incrementAndGet();
            return decode.apply(cached);
        }
        loads.incrementAndGet();
        V value = loader.call();
        if (value != null) {
            redis.client().set(prefix + key, encode.apply(value), SetParams.setParams().px(ttl.toMillis()));
        }
        return value;
    }

    /**
     * Drops {@code key} from this process's local tier and from Redis.
     *
     * @param key the key to forget
     */
    public void invalidate(String key) {
        loading.remove(key); // a load under way no longer fills the local tier
        if (local != null) {
            local.invalidate(key);
        }
        redis.client().del(prefix + key);
    }

    /** @return hit and load counters since the cache was built */
    public Stats stats() {
        return new Stats(localHits.get(), redisHits.get(), loads.get());
    }

    @Override
    public String toString() {
        return "QueryCache{prefix=" + prefix + ", ttl=" + ttl + ", " + stats() + '}';
    }

    /**
     * Counters of a {@link QueryCache}.
     *
     * @param localHits answers from the in-process tier
     * @param redisHits answers from Redis (the loader did not run)
     * @param loads loader runs
     */
    public record Stats(long localHits, long redisHits, long loads) {
    }

    /**
     * Configures a {@link QueryCache}; not thread-safe.
     *
     * @param <V> the cached value type
     */
    public static final class Builder<V> {
        private final RedisPool redis;
        private final Function<? super V, String> encode;
        private final Function<String, ? extends V> decode;
        private String prefix = "cache:";
        private Duration ttl = Duration.ofMinutes(5);
        private long localSize = 10_000;
        private Duration localTtl = Duration.ofSeconds(5);

        private Builder(RedisPool redis, Function<? super V, String> encode, Function<String, ? extends V> decode) {
            this.redis = Objects.requireNonNull(redis, "redis");
            this.encode = Objects.requireNonNull(encode, "encode");
            this.decode = Objects.requireNonNull(decode, "decode");
        }

        /**
         * @param prefix put before every key in Redis (default {@code "cache:"}), to keep caches apart
         * @return this builder
         */
        public Builder<V> prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * @param ttl how long a value lives in Redis (default 5 min; at least 1 ms)
         * @return this builder
         */
        public Builder<V> ttl(Duration ttl) {
            if (ttl.toMillis() < 1) {
                throw new IllegalArgumentException("ttl is " + ttl + " but must be at least 1 ms");
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * @param entries how many values the in-process tier keeps, least recently used dropped first (default 10,000; 0 turns it off)
         * @return this builder
         */
        public Builder<V> localSize(long entries) {
            if (entries < 0) {
                throw new IllegalArgumentException("localSize is " + entries + " but must be 0 (off) or more");
            }
            this.localSize = entries;
            return this;
        }

        /**
         * @param ttl how long a value lives in the in-process tier (default 5 s: the most another process's
         *     {@link QueryCache#invalidate} can take to be seen here; 0 = until evicted)
         * @return this builder
         */
        public Builder<V> localTtl(Duration ttl) {
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("localTtl is " + ttl + " but must not be negative");
            }
            this.localTtl = ttl;
            return this;
        }

        /** @return the cache */
        public QueryCache<V> build() {
            return new QueryCache<>(this);
        }
    }
}
