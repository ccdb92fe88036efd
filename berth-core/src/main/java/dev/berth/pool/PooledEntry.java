package dev.berth.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One resource the pool owns, with its life-cycle state. The state field is the only synchronisation:
 * whoever moves it from {@link #IDLE} owns the entry until it sets it back.
 *
 * <p>The fields sit between 128 bytes of padding on each side ({@link PooledEntryPadding} before, the
 * {@code q} fields after): the garbage collector packs entries next to each other, and two threads on two cores
 * borrowing two neighbouring entries would otherwise write the same cache line on every borrow and return.
 * A precaution more than a measured win: on its own it changed the get + close benchmark within its noise.
 */
final class PooledEntry<R> extends PooledEntryFields<R> {
    /** Free to lend; the only state another thread may claim from. */
    static final int IDLE = 0;
    /** Lent out, or in the hands of the thread that claimed it. */
    static final int LEASED = 1;
    /** Held by housekeeping for eviction or keepalive validation. */
    static final int RESERVED = 2;
    /** Gone from the pool; its resource is destroyed or about to be. */
    static final int REMOVED = 3;

    /** {@link PooledEntryFields#mark}: nothing to check beyond age and idle time. */
    static final int UNMARKED = 0;
    /** Set by {@code Pool.revalidate()}: validated before it is lent again, retired if that fails. */
    static final int SUSPECT = 1;
    /** Set by {@code Pool.evict()}: retired instead of being lent or taken back. Never cleared. */
    static final int EVICTED = 2;

    private static final VarHandle STATE;
    private static final VarHandle HOLDER;
    private static final VarHandle MARK;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PooledEntryFields.class, "state", int.class);
            HOLDER = MethodHandles.lookup().findVarHandle(PooledEntryFields.class, "holder", Object.class);
            MARK = MethodHandles.lookup().findVarHandle(PooledEntryFields.class, "mark", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    PooledEntry(R resource, long now, long lifetimeNanos, LatencyHistogram waits, LatencyHistogram holds) {
        super(resource, now, lifetimeNanos, waits, holds);
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

    /**
     * Replaces the holder (a scan watching a lease, a lease being returned) unless it changed meanwhile: the
     * lender and the returner own the entry, but a scan may look at the same time.
     */
    boolean replaceHolder(Object expected, Object holder) {
        return HOLDER.compareAndSet(this, expected, holder);
    }

    /** The current lease or its {@link LeaseWatch}, or {@code null}; for a thread that does not own the entry. */
    Object holder() {
        return HOLDER.getAcquire(this);
    }

    /** The holder record of the current lease, or {@code null} when none is out. */
    Holder holderRecord() {
        Object h = holder();
        return h instanceof LeaseWatch watch ? watch.holder() : (Holder) h;
    }

    /**
     * The owner returning {@code lease}: clears the holder unless it is another lease's. A plain write: a scan
     * may swap the lease for its watch at the same moment, and either way the holder ends up cleared (the scan's
     * compare-and-set fails on anything but this lease, and it never watches a lease already cleared).
     */
    void forget(PooledLease<?> lease) {
        Object h = holder;
        if (h == lease || h instanceof LeaseWatch watch && watch.refersTo(lease)) {
            holder = null;
        }
    }

    /** Marks the entry evicted; wins over {@link #SUSPECT}. */
    void markEvicted() {
        MARK.setVolatile(this, EVICTED);
    }

    /** Marks the entry suspect unless it is evicted already. */
    void markSuspect() {
        MARK.compareAndSet(this, UNMARKED, SUSPECT);
    }

    /** Clears a suspect mark after a successful validation; an eviction meanwhile stays. */
    void clearSuspect() {
        MARK.compareAndSet(this, SUSPECT, UNMARKED);
    }

    boolean evicted() {
        return mark == EVICTED;
    }

    boolean expired(long now) {
        return mortal && now - expiresAt >= 0;
    }

    @SuppressWarnings("unused") // padding, see the class comment
    private long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
}

/** The fields of a {@link PooledEntry}, between its paddings (a superclass's fields are laid out first). */
abstract class PooledEntryFields<R> extends PooledEntryPadding {
    final R resource;
    final long createdAt;
    /** {@code System.nanoTime()} after which the resource is retired; meaningless when {@link #mortal} is false. */
    final long expiresAt;
    final boolean mortal;
    /** Written before the entry is published as idle (a volatile write), so plain fields suffice. */
    long lastReturned;
    long lastValidated;
    /** When a lease of this entry last recorded its call site (the per-entry budget of {@link Diagnostics}). */
    long siteRecordedAt;
    /** When the entry was last lent ({@code System.nanoTime()}): a waiter served next measures the cycle from it. */
    long lentAt;
    /**
     * Who holds the entry while it is lent, cleared before the entry is published idle: the {@link PooledLease}
     * itself, or a {@link LeaseWatch} of it once a scan has seen it. Written plainly by the lender (the entry is
     * not idle, so no other lender races it); replaced by compare-and-set.
     */
    Object holder;
    /** Acquire waits and hold times of this entry's leases, recorded by its owner of the moment. */
    final LatencyHistogram.Recorder waits;
    final LatencyHistogram.Recorder holds;
    @SuppressWarnings("unused") // accessed through PooledEntry.STATE
    volatile int state;
    /**
     * {@link PooledEntry#UNMARKED}, {@link PooledEntry#SUSPECT} or {@link PooledEntry#EVICTED}: what
     * {@code Pool.revalidate()} and {@code Pool.evict()} ask of the next borrow or return. On the entry, not the
     * pool, so borrow and return read a line they already own rather than one the pool's counters keep writing.
     */
    volatile int mark;

    PooledEntryFields(R resource, long now, long lifetimeNanos, LatencyHistogram waits, LatencyHistogram holds) {
        this.resource = resource;
        this.waits = waits.recorder();
        this.holds = holds.recorder();
        this.createdAt = now;
        this.mortal = lifetimeNanos > 0;
        this.expiresAt = now + lifetimeNanos;
        this.lastReturned = now;
        this.lastValidated = now;
        this.siteRecordedAt = now - Diagnostics.SITE_INTERVAL_NANOS;
        this.state = PooledEntry.LEASED;
    }
}

/** Padding before a {@link PooledEntry}'s fields: a superclass's fields are laid out first. */
abstract class PooledEntryPadding {
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}
