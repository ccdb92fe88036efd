package dev.berth.pool;

import java.time.Duration;
import java.util.Optional;

/**
 * A deadline for everything a piece of work borrows: while it is bound, every {@link Pool#acquire()} (and
 * {@link Pool#acquire(Duration)}, {@link Pool#acquireAsync()}) waits at most until it, and, under a standing queue,
 * one that could not be served before it is refused at once ({@link OverloadPolicy#SHED}) instead of taking a resource
 * it can no longer use. Bound with a {@link ScopedValue}, so it follows the work into the virtual threads of a
 * {@link java.util.concurrent.StructuredTaskScope} and costs nothing where it is not bound; nested deadlines keep the
 * earlier one. berth-web binds one per request from a header or a setting.
 * {@snippet :
 * Response handle(Request request) throws Exception {
 *     return RequestDeadline.within(Duration.ofMillis(200), () -> {
 *         try (Connection c = dataSource.getConnection()) {   // waits at most what is left of the 200 ms
 *             return query(c, request);
 *         }
 *     });
 * }
 * }
 */
public final class RequestDeadline {
    private static final ScopedValue<Long> DEADLINE = ScopedValue.newInstance();

    private RequestDeadline() {
    }

    /**
     * Runs {@code work} with a deadline {@code budget} from now (or the deadline already bound, if that is earlier).
     *
     * @param budget how long the work may take; zero or negative means it is already late
     * @param work what to run
     * @param <T> its result type
     * @param <X> what it may throw
     * @return what {@code work} returned
     * @throws X what {@code work} threw
     */
    public static <T, X extends Throwable> T within(Duration budget, ScopedValue.CallableOp<T, X> work) throws X {
        if (budget == null || work == null) {
            throw new NullPointerException(budget == null ? "budget must not be null" : "work must not be null");
        }
        long now = System.nanoTime();
        long deadline = now + Math.clamp(budget.toNanos(), -Waiter.FOREVER, Waiter.FOREVER);
        if (DEADLINE.isBound() && DEADLINE.get() - deadline < 0) {
            deadline = DEADLINE.get();
        }
        return ScopedValue.where(DEADLINE, deadline).call(work);
    }

    /** @return the time left before the bound deadline (negative when it passed), or empty when none is bound */
    public static Optional<Duration> remaining() {
        return DEADLINE.isBound() ? Optional.of(Duration.ofNanos(DEADLINE.get() - System.nanoTime())) : Optional.empty();
    }

    /** The deadline, as {@link System#nanoTime()}, clamped to {@code deadline}: the earlier of the two. */
    static long clamp(long deadline) {
        if (DEADLINE.isBound()) {
            long bound = DEADLINE.get();
            return bound - deadline < 0 ? bound : deadline;
        }
        return deadline;
    }
}
