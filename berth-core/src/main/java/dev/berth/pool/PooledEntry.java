package dev.berth.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One resource the pool owns, with its life-cycle state. The state field is the only synchronisation:
 * whoever moves it from {@link #IDLE} owns the entry until it sets it back.
 */
final class PooledEntry<R> {
    /** Free to lend; the only state another thread may claim from. */
    static final int IDLE = 0;
    /** Lent out, or in the hands of the thread that claimed it. */
    static final int LEASED = 1;
    /** Held by housekeeping for eviction or keepalive validation. */
    static final int RESERVED = 2;
    /** Gone from the pool; its resource is destroyed or about to be. */
    static final int REMOVED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PooledEntry.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final R resource;
    final long createdAt;
    /** {@code System.nanoTime()} after which the resource is retired; meaningless when {@link #mortal} is false. */
    final long expiresAt;
    final boolean mortal;
    /** Written before the entry is published as idle (a volatile write), so plain fields suffice. */
    long lastReturned;
    long lastValidated;
    /** Who holds the entry while it is lent; cleared before the entry is published idle. */
    Holder holder;
    /** Acquire waits and hold times of this entry's leases, recorded by its owner of the moment. */
    final LatencyHistogram.Recorder waits;
    final LatencyHistogram.Recorder holds;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    PooledEntry(R resource, long now, long lifetimeNanos, LatencyHistogram waits, LatencyHistogram holds) {
        this.resource = resource;
        this.waits = waits.recorder();
        this.holds = holds.recorder();
        this.createdAt = now;
        this.mortal = lifetimeNanos > 0;
        this.expiresAt = now + lifetimeNanos;
        this.lastReturned = now;
        this.lastValidated = now;
        this.state = LEASED;
    }

    boolean claim(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    int state() {
        return (int) STATE.getVolatile(this);
    }

    /** Publishes the entry as idle; a volatile write, ordered before any later read of the waiter queue. */
    void setIdle() {
        STATE.setVolatile(this, IDLE);
    }

    /** Moves to REMOVED from any state; returns false when it already was. */
    boolean remove() {
        return (int) STATE.getAndSet(this, REMOVED) != REMOVED;
    }

    boolean expired(long now) {
        return mortal && now - expiresAt >= 0;
    }
}
