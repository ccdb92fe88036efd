package dev.berth.redis;

import java.util.List;
import redis.clients.jedis.exceptions.JedisException;

/**
 * An optimistic transaction gave up: every attempt's EXEC was aborted because another client changed a
 * watched key. Nothing of the transaction was applied.
 */
public class WatchConflictException extends JedisException {
    private static final long serialVersionUID = 1L;
    /** How many times the transaction ran. */
    private final int attempts;
    /** The watched keys (an immutable, serializable list). */
    private final List<String> keys;

    WatchConflictException(List<String> keys, int attempts) {
        super("optimistic transaction on keys " + keys + " was aborted by concurrent writes " + attempts
                + " time(s) in a row, so it gave up; nothing was applied. Raise OptimisticRetry.maxAttempts (now "
                + attempts + "), widen the backoff, or reduce contention on these keys");
        this.attempts = attempts;
        this.keys = List.copyOf(keys);
    }

    /** @return how many times the transaction ran */
    public int attempts() {
        return attempts;
    }

    /** @return the watched keys */
    public List<String> keys() {
        return keys;
    }
}
