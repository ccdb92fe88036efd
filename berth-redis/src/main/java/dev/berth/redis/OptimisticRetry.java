package dev.berth.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often an optimistic ({@code WATCH}) transaction is re-run after a conflict, and how long it waits in
 * between: exponential backoff with full jitter, capped. Immutable and thread-safe.
 *
 * {@snippet :
 * OptimisticRetry retry = OptimisticRetry.attempts(10).backoff(Duration.ofMillis(2), Duration.ofMillis(200));
 * }
 *
 * @param maxAttempts how many times the transaction runs at most, the first run included (at least 1)
 * @param firstBackoff the longest wait after the first conflict; doubled after each further one
 * @param maxBackoff the cap on the wait
 */
public record OptimisticRetry(int maxAttempts, Duration firstBackoff, Duration maxBackoff) {
    /** Five attempts, waits of up to 1 ms, 2 ms, 4 ms, 8 ms: enough for ordinary contention. */
    public static final OptimisticRetry DEFAULT = new OptimisticRetry(5, Duration.ofMillis(1), Duration.ofMillis(100));

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException naming the bad setting and the fix
     */
    public OptimisticRetry {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts is " + maxAttempts + " but must be at least 1 (1 means no retry)");
        }
        Objects.requireNonNull(firstBackoff, "firstBackoff must not be null; use Duration.ZERO for no wait");
        Objects.requireNonNull(maxBackoff, "maxBackoff must not be null; use Duration.ZERO for no wait");
        if (firstBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative (firstBackoff " + firstBackoff + ", maxBackoff " + maxBackoff + ")");
        }
    }

    /**
     * @param maxAttempts how many runs at most, the first included
     * @return a policy with that many attempts and the default backoff
     */
    public static OptimisticRetry attempts(int maxAttempts) {
        return new OptimisticRetry(maxAttempts, DEFAULT.firstBackoff, DEFAULT.maxBackoff);
    }

    /**
     * @param first the longest wait after the first conflict
     * @param max the cap on the wait
     * @return a copy with this backoff
     */
    public OptimisticRetry backoff(Duration first, Duration max) {
        return new OptimisticRetry(maxAttempts, first, max);
    }

    /** A random wait in [0, min(max, first * 2^(conflicts-1))]: full jitter, so contenders spread out. */
    Duration backoffAfter(int conflicts) {
        long first = firstBackoff.toNanos();
        long cap = maxBackoff.toNanos();
        long ceiling = conflicts >= 62 ? cap : Math.min(cap, first << Math.min(conflicts - 1, 30));
        return ceiling <= 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }
}
