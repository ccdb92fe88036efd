package dev.berth.demo;

/**
 * Connection time a request spent in units of work of its own (a transfer's {@code db.transaction}), which the
 * request session's timing does not see. The demo's filter binds one per request; {@link SlowRequests} adds it to
 * the session's wait and hold. Used by the request's thread only.
 */
final class RequestClock {
    static final ScopedValue<RequestClock> CURRENT = ScopedValue.newInstance();

    private long waitNanos;
    private long holdNanos;

    /** Adds a unit's wait for its connection and the time it held it, when a request is being handled. */
    static void record(long waitNanos, long holdNanos) {
        if (CURRENT.isBound()) {
            RequestClock clock = CURRENT.get();
            clock.waitNanos += waitNanos;
            clock.holdNanos += holdNanos;
        }
    }

    long waitNanos() {
        return waitNanos;
    }

    long holdNanos() {
        return holdNanos;
    }
}
