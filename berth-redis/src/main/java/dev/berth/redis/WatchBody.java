package dev.berth.redis;

/**
 * The body of an optimistic transaction (see {@link RedisPool#watching}). It may run several times, so it
 * should have no effects outside Redis other than what it returns.
 */
@FunctionalInterface
public interface WatchBody {
    /**
     * Reads through {@link Watch#jedis()} and queues writes through {@link Watch#multi}.
     *
     * @param watch this attempt
     * @throws Exception any failure; it ends the transaction (no retry) and reaches the caller
     */
    void run(Watch watch) throws Exception;
}
