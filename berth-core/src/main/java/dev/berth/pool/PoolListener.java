package dev.berth.pool;

/**
 * Receives a pool's events, for metrics (berth-micrometer implements it) or custom alerting. Methods are
 * called on the thread where the event happens, some of them on the acquire and release hot paths: keep them
 * fast and non-blocking, and never throw (exceptions are caught and logged). Every method does nothing by
 * default, so an implementation overrides only what it needs.
 *
 * {@snippet :
 * PoolConfig config = PoolConfig.builder()
 *         .listener(new PoolListener() {
 *             @Override public void timedOut(PoolReport report) { alerts.send(report.toString()); }
 *         })
 *         .build();
 * }
 */
public interface PoolListener {

    /** A listener that ignores everything. */
    PoolListener NONE = new PoolListener() { };

    /** @param pool the pool's name; @param waitNanos how long the caller waited for its lease */
    default void acquired(String pool, long waitNanos) { }

    /** @param pool the pool's name; @param holdNanos how long the lease was held */
    default void released(String pool, long holdNanos) { }

    /** @param report the pool's state when an acquire timed out, with the longest holders */
    default void timedOut(PoolReport report) { }

    /** @param pool the pool's name */
    default void created(String pool) { }

    /**
     * A resource was created; the pool calls this one, and by default it calls {@link #created(String)}, so a
     * listener written before creation was timed keeps working. Override one of the two, not both.
     *
     * @param pool the pool's name
     * @param createNanos how long {@link ResourceFactory#create()} took for it
     */
    default void created(String pool, long createNanos) { created(pool); }

    /** @param pool the pool's name; @param failure why a resource could not be created */
    default void creationFailed(String pool, Throwable failure) { }

    /**
     * A resource left the pool for good.
     *
     * @param pool the pool's name
     * @param reason why: "broken", "expired", "idle", "invalid", "reset failed", "leaked" or "closed"
     */
    default void destroyed(String pool, String reason) { }

    /** @param pool the pool's name (a validation found a resource dead) */
    default void validationFailed(String pool) { }

    /**
     * A caller was refused at once because the pool is overloaded and it could not have been served within its budget
     * ({@link OverloadPolicy#SHED}); {@link #timedOut} is not called for it.
     *
     * @param pool the pool's name
     * @param queued callers waiting when it was refused
     */
    default void shed(String pool, int queued) { }

    /**
     * A lease was held longer than the leak-detection threshold, or was dropped without being closed.
     *
     * @param pool the pool's name
     * @param holding who held it, for how long, where it was taken
     * @param dropped {@code true} when the lease became unreachable without {@code close()} (its resource
     *     was destroyed and replaced); {@code false} when it is only held suspiciously long
     */
    default void leak(String pool, PoolReport.Holding holding, boolean dropped) { }
}
