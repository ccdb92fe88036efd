package dev.berth.jdbc.tx;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * When and how a transaction is run again. PostgreSQL asks applications that use {@link Isolation#SERIALIZABLE}
 * or {@link Isolation#REPEATABLE_READ} to retry the whole transaction when it fails with SQLSTATE
 * {@code 40001} (serialization failure) or {@code 40P01} (deadlock detected); this policy does exactly that,
 * and nothing else unless told: other SQLSTATEs can be added with {@link #retryOn(String...)}.
 *
 * <p>Between attempts it waits a random time between zero and {@code min(maxBackoff, initialBackoff * 2^(n-1))}
 * after the n-th failure ("full jitter"), so that transactions that collided do not collide again in step.
 * A commit whose outcome is unknown ({@link AmbiguousCommitException}) is never retried, whatever the policy.
 *
 * {@snippet :
 * RetryPolicy policy = RetryPolicy.defaults()
 *         .maxAttempts(20)
 *         .backoff(Duration.ofMillis(2), Duration.ofMillis(200))
 *         .retryOn("55P03")                        // also lock_not_available (with lock_timeout)
 *         .listener(attempt -> log.debug(attempt.toString()));
 * }
 *
 * <p>Immutable and thread-safe: every method returns a new policy.
 *
 * @see <a href="https://www.postgresql.org/docs/current/mvcc-serialization-failure-handling.html">PostgreSQL:
 *     Serialization Failure Handling</a>
 */
public final class RetryPolicy {

    /** SQLSTATE of a serialization failure. */
    public static final String SERIALIZATION_FAILURE = "40001";
    /** SQLSTATE of a detected deadlock. */
    public static final String DEADLOCK_DETECTED = "40P01";

    private static final RetryPolicy DEFAULTS = new RetryPolicy(10, Duration.ofMillis(5), Duration.ofMillis(500),
            Set.of(SERIALIZATION_FAILURE, DEADLOCK_DETECTED), RetryListener.NONE);
    private static final RetryPolicy NONE = DEFAULTS.maxAttempts(1);

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Set<String> sqlStates;
    private final RetryListener listener;

    private RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Set<String> sqlStates, RetryListener listener) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.sqlStates = sqlStates;
        this.listener = listener;
    }

    /**
     * The default: up to 10 attempts on 40001 and 40P01, backoff from 5 ms doubling up to 500 ms, full
     * jitter. Ten attempts wait at most about 1.6 s in total, and under heavy contention on a few rows
     * rarely all fail.
     *
     * @return the default policy
     */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** @return a policy that runs the work once and never retries */
    public static RetryPolicy none() {
        return NONE;
    }

    /**
     * @param attempts how many times the work may run in all, at least 1 (1 = no retry)
     * @return a copy with that limit
     * @throws IllegalArgumentException when below 1
     */
    public RetryPolicy maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 (1 means no retry), was " + attempts);
        }
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, sqlStates, listener);
    }

    /**
     * @param initial the cap of the first pause (the pause is random between zero and the cap); zero or more
     * @param max the largest cap, reached by doubling; at least {@code initial}
     * @return a copy with that backoff
     * @throws IllegalArgumentException when negative or {@code max < initial}
     */
    public RetryPolicy backoff(Duration initial, Duration max) {
        Objects.requireNonNull(initial, "initial backoff");
        Objects.requireNonNull(max, "max backoff");
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, was initial=" + initial.toMillis()
                    + " ms, max=" + max.toMillis() + " ms");
        }
        return new RetryPolicy(maxAttempts, initial, max, sqlStates, listener);
    }

    /**
     * Adds SQLSTATEs that make the work run again, besides 40001 and 40P01 (for example {@code 55P03}
     * lock_not_available when you use {@code lock_timeout}). Connection errors (class 08) are refused: after
     * one, berth cannot know what the server did.
     *
     * @param states five-character SQLSTATE codes
     * @return a copy that also retries those
     * @throws IllegalArgumentException for a code that is not five characters, or of class 08
     */
    public RetryPolicy retryOn(String... states) {
        TreeSet<String> all = new TreeSet<>(sqlStates);
        for (String state : states) {
            if (state == null || state.length() != 5) {
                throw new IllegalArgumentException("a SQLSTATE has five characters, e.g. 40001; got '" + state + "'");
            }
            if (state.startsWith("08")) {
                throw new IllegalArgumentException("SQLSTATE " + state + " is a connection failure, after which the outcome "
                        + "of the transaction may be unknown; berth does not retry those. Retry in the caller if your work is idempotent.");
            }
            all.add(state);
        }
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, Set.copyOf(all), listener);
    }

    /**
     * @param attemptListener sees each attempt end ({@link RetryListener#NONE} for none)
     * @return a copy with that listener
     */
    public RetryPolicy listener(RetryListener attemptListener) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, sqlStates,
                Objects.requireNonNull(attemptListener, "listener (use RetryListener.NONE for none)"));
    }

    /** @return how many times the work may run in all */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return the cap of the first pause */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** @return the largest cap of a pause */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** @return the SQLSTATEs that make the work run again */
    public Set<String> retryableSqlStates() {
        return sqlStates;
    }

    /** @return the attempt listener */
    public RetryListener listener() {
        return listener;
    }

    /**
     * Whether a failure calls for another attempt: an {@link SQLException} is judged by its own SQLSTATE;
     * anything else (a wrapper such as a framework's data-access exception) by the first {@link SQLException}
     * in its cause chain. {@link AmbiguousCommitException} never is.
     *
     * @param failure what failed the attempt
     * @return whether the policy retries it (attempts left aside)
     */
    public boolean isRetryable(Throwable failure) {
        SQLException sql = firstSqlException(failure);
        return sql != null && !(sql instanceof AmbiguousCommitException) && sql.getSQLState() != null
                && sqlStates.contains(sql.getSQLState());
    }

    private static SQLException firstSqlException(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /**
     * The pause after the {@code failedAttempt}-th failure: uniform in [0, min(max, initial * 2^(failedAttempt-1))].
     *
     * @param failedAttempt 1 after the first failure
     * @param random the source of jitter
     * @return the pause
     */
    Duration backoff(int failedAttempt, RandomGenerator random) {
        long cap = cap(failedAttempt);
        return cap == 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(cap + 1));
    }

    /** @return the upper bound of the pause after the {@code failedAttempt}-th failure, in nanoseconds */
    long cap(int failedAttempt) {
        long max = maxBackoff.toNanos();
        long cap = initialBackoff.toNanos();
        for (int i = 1; i < failedAttempt && cap < max; i++) {
            cap = cap > max / 2 ? max : cap * 2;
        }
        return Math.min(cap, max);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff.toMillis() + ".."
                + maxBackoff.toMillis() + " ms full jitter, on SQLSTATE " + Arrays.toString(sqlStates.stream().sorted().toArray()) + '}';
    }
}
