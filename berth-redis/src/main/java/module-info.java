/**
 * berth-redis: Redis on berth's pool. {@link dev.berth.redis.RedisPool} opens a pool of Jedis connections
 * from a URL and hands out a Jedis {@code RedisClient} whose every command runs on a berth lease, plus
 * pipelines and MULTI/EXEC as scopes, optimistic WATCH transactions with bounded retries, supervised
 * pub/sub that survives restarts, auto-pipelining of single commands and a two-tier query cache.
 */
@SuppressWarnings("requires-transitive-automatic") // Jedis ships no module-info; its name is stable (Automatic-Module-Name)
module dev.berth.redis {
    // transitive: the public API hands out berth leases, scopes and stats, and Jedis types.
    requires transitive dev.berth.core;
    requires transitive redis.clients.jedis;
    requires com.github.benmanes.caffeine;
    exports dev.berth.redis;
}
