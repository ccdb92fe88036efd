package dev.berth.demo;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Everything the demo asks of Redis, so the same service runs on berth's {@code RedisPool}
 * ({@link BerthRedis}) or on Jedis's own {@code JedisPool} ({@link JedisPoolRedis}) for a side-by-side comparison.
 * Keys and the channel live under one namespace per database ({@code berth-demo:<namespace>:}). Thread-safe.
 */
interface DemoRedis extends AutoCloseable {

    /**
     * The account, from the cache or, on a miss, from {@code loader} (whose result is then cached).
     *
     * @return the account, or {@code null} when the loader found none (not cached)
     */
    Account account(long id, Callable<Account> loader) throws Exception;

    /** Drops the account from the cache, after its balance changed. */
    void forgetAccount(long id);

    /**
     * Counts one request for each account, in one pipeline (one round trip).
     *
     * @return each account's count after this request, in the order given
     */
    long[] countRequests(long... ids) throws Exception;

    /** Publishes a transfer event on the demo's channel. */
    void publish(String message);

    /**
     * Starts delivering the channel's messages to {@code handler} (on a thread of the subscription) and waits until
     * the subscription is live, so that nothing published after this returns is missed.
     *
     * @return the subscription; close it to stop
     * @throws IllegalStateException when the subscription is not live within a few seconds
     */
    AutoCloseable subscribe(Consumer<String> handler) throws InterruptedException;

    /** @throws RuntimeException when Redis does not answer a PING */
    void ping();

    /** @return the pool, for {@code /api/pools} */
    PoolView pool();

    /** Closes the subscriptions and the pool. */
    @Override
    void close();

    /** @return where the keys of {@code namespace} live */
    static String prefix(String namespace) {
        return "berth-demo:" + namespace + ":";
    }
}
