package dev.berth.jdbc.tx;

import java.time.Duration;

/**
 * Sees every attempt of a retried transaction end: for metrics ("retries per second"), logs, or tests.
 * Called on the thread that ran the attempt, after its transaction ended and before any backoff; keep it
 * quick and do not throw (an exception from the listener is logged and otherwise ignored).
 *
 * {@snippet :
 * RetryPolicy policy = RetryPolicy.defaults().listener(attempt -> {
 *     if (attempt.retrying()) {
 *         retries.increment();
 *     }
 * });
 * }
 *
 * <p>One listener instance may be called from many threads at once.
 */
@FunctionalInterface
public interface RetryListener {

    /** A listener that does nothing. */
    RetryListener NONE = attempt -> { };

    /**
     * Called once per attempt.
     *
     * @param attempt how the attempt ended
     */
    void attemptFinished(Attempt attempt);

    /**
     * How one attempt of a unit of work ended.
     *
     * @param number 1 for the first attempt, 2 for the first retry, ...
     * @param maxAttempts the policy's limit
     * @param failure what failed the attempt, or {@code null} when it committed
     * @param retrying whether the work runs again
     * @param backoff the pause before the next attempt; {@link Duration#ZERO} when not retrying
     * @param target the connection target that ran it ({@code "primary"}, {@code "replica-0"}, ...)
     */
    record Attempt(int number, int maxAttempts, Throwable failure, boolean retrying, Duration backoff, String target) {

        /** @return whether the attempt committed */
        public boolean succeeded() {
            return failure == null;
        }

        @Override
        public String toString() {
            return "attempt " + number + "/" + maxAttempts + " on " + target + ": "
                    + (failure == null ? "committed" : failure + (retrying ? ", retrying after " + backoff.toMillis() + " ms" : ", giving up"));
        }
    }
}
