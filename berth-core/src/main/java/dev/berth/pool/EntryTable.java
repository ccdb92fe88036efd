package dev.berth.pool;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The resources a pool owns, and the slots that bound them. Entries live in a copy-on-write array, read
 * without a lock on every borrow and replaced (under a lock) only when a resource is added or removed. A slot
 * is taken before a resource is created and given back only once it is destroyed, so the number of resources
 * in existence, including those being created or destroyed, never exceeds {@code maxSize}.
 */
final class EntryTable<R> {
    @SuppressWarnings("rawtypes")
    private static final PooledEntry[] EMPTY = new PooledEntry[0];

    /** The current maximum; lowered on a running pool, entries above it leave as they come back. */
    private volatile int maxSize;
    /** Entries over which threads spread their borrowing: the core, {@code minIdle}. */
    private volatile int spread;
    private final AtomicInteger slots = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition emptied = lock.newCondition();
    private volatile PooledEntry<R>[] entries;
    /**
     * Where threads last found an idle core entry (index + 1; 0 = none yet), one slot per thread-id hash, each
     * on a cache line of its own: a fixed-size table, not per-thread state, so it costs the same for a million
     * short-lived virtual threads as for ten platform threads. Plain reads and writes: a stale hint only makes
     * the search start elsewhere. Written only when a thread moves to another entry.
     */
    private final int[] hints = new int[HINT_SLOTS * HINT_STRIDE];
    private static final int HINT_SLOTS = 64;
    private static final int HINT_STRIDE = 16;

    @SuppressWarnings("unchecked")
    EntryTable(int maxSize, int spread) {
        this.maxSize = maxSize;
        this.spread = spread;
        this.entries = (PooledEntry<R>[]) EMPTY;
    }

    /** Changes the bounds of a running pool; entries above a lowered maximum leave through {@link #removeIfSurplus}. */
    void resize(int maxSize, int spread) {
        // under the lock: after this no addIfRoom still acts on the old maximum, and a sweep that follows sees what it added
        lock.lock();
        try {
            this.maxSize = maxSize;
            this.spread = spread;
        } finally {
            lock.unlock();
        }
    }

    int maxSize() {
        return maxSize;
    }

    /** The configured {@code minIdle}, which is also the spread: it follows a reconfiguration. */
    int minIdle() {
        return spread;
    }

    /** Whether the pool holds more entries than its (lowered) maximum: one volatile read and an array length. */
    boolean overMaximum() {
        return entries.length > maxSize;
    }

    /** The current entries; the array is never modified, so it can be iterated freely. */
    PooledEntry<R>[] snapshot() {
        return entries;
    }

    /**
     * Claims an idle entry. Among the core entries (the first {@code minIdle}, which never age out) a thread
     * starts where it last found one, or, the first time, at a place chosen by its id: two threads on two cores
     * then keep to different entries instead of fighting over one, whose cache line would otherwise travel
     * between the cores on every borrow and return. Entries beyond the core are tried in order, low indices
     * first, so a surplus the load no longer needs stays idle and ages out.
     */
    PooledEntry<R> claimIdle() {
        PooledEntry<R>[] current = entries;
        int n = current.length;
        int core = Math.min(n, spread);
        if (core > 1) {
            int slot = hintSlot();
            int hint = hints[slot] - 1;
            int first = hint >= 0 && hint < core ? hint : home(core);
            for (int k = 0; k < core; k++) {
                int i = first + k < core ? first + k : first + k - core;
                PooledEntry<R> entry = current[i];
                if (entry.state() == PooledEntry.IDLE && entry.claim(PooledEntry.IDLE, PooledEntry.LEASED)) {
                    if (i != hint) {
                        hints[slot] = i + 1;
                    }
                    return entry;
                }
            }
        } else {
            core = 0;
        }
        for (int i = core; i < n; i++) {
            PooledEntry<R> entry = current[i];
            if (entry.state() == PooledEntry.IDLE && entry.claim(PooledEntry.IDLE, PooledEntry.LEASED)) {
                return entry;
            }
        }
        return null;
    }

    /**
     * The current thread's slot in {@link #hints}, by a multiplicative hash of its id. Threads that share a
     * slot share a hint; it stays a hint: a wrong one costs a longer search, never a wrong result.
     */
    private static int hintSlot() {
        long hash = (Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L) >>> 32;
        return (int) (hash & (HINT_SLOTS - 1)) * HINT_STRIDE;
    }

    /** The current thread's first place among {@code core} entries, before it has a hint. */
    private static int home(int core) {
        long hash = (Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L) >>> 32;
        return (int) ((hash * core) >>> 32);
    }

    boolean hasIdle() {
        for (PooledEntry<R> entry : entries) {
            if (entry.state() == PooledEntry.IDLE) {
                return true;
            }
        }
        return false;
    }

    int idleCount() {
        int idle = 0;
        for (PooledEntry<R> entry : entries) {
            if (entry.state() == PooledEntry.IDLE) {
                idle++;
            }
        }
        return idle;
    }

    /**
     * Entries that are idle or held by housekeeping for a check (which publishes them idle again unless it retires
     * them, and a retirement asks for a replacement itself): what counts towards {@code minIdle}.
     */
    int restingCount() {
        int resting = 0;
        for (PooledEntry<R> entry : entries) {
            int state = entry.state();
            if (state == PooledEntry.IDLE || state == PooledEntry.RESERVED) {
                resting++;
            }
        }
        return resting;
    }

    /** Takes a slot for a resource about to be created; false when the pool is full. */
    boolean reserveSlot() {
        while (true) {
            int used = slots.get();
            if (used >= maxSize) {
                return false;
            }
            if (slots.compareAndSet(used, used + 1)) {
                return true;
            }
        }
    }

    /** Gives a slot back (the resource is destroyed, or was never created). */
    void freeSlot() {
        if (slots.decrementAndGet() == 0) {
            lock.lock();
            try {
                emptied.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Slots in use: resources that exist, are being created, or are being destroyed. */
    int slotsInUse() {
        return slots.get();
    }

    /**
     * Adds a created entry unless the maximum was lowered while it was being made and the pool already holds as
     * many as the new maximum allows; false then (the caller destroys it).
     */
    boolean addIfRoom(PooledEntry<R> entry) {
        lock.lock();
        try {
            if (entries.length >= maxSize) {
                return false;
            }
            add(entry);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes an entry its caller owns out of the array if the pool holds more than its maximum (lowered on a running
     * pool); checked and done under the lock, so concurrent returns never take out more than the surplus.
     */
    boolean removeIfSurplus(PooledEntry<R> entry) {
        lock.lock();
        try {
            if (entries.length <= maxSize) {
                return false;
            }
            remove(entry);
            return true;
        } finally {
            lock.unlock();
        }
    }

    void add(PooledEntry<R> entry) {
        lock.lock();
        try {
            PooledEntry<R>[] grown = Arrays.copyOf(entries, entries.length + 1);
            grown[grown.length - 1] = entry;
            entries = grown;
        } finally {
            lock.unlock();
        }
    }

    /** Takes an entry out of the array (its slot stays taken until {@link #freeSlot()}). */
    void remove(PooledEntry<R> entry) {
        lock.lock();
        try {
            PooledEntry<R>[] current = entries;
            int i = 0;
            while (i < current.length && current[i] != entry) {
                i++;
            }
            if (i < current.length) {
                @SuppressWarnings({"unchecked", "rawtypes"})
                PooledEntry<R>[] shrunk = (PooledEntry<R>[]) new PooledEntry[current.length - 1];
                System.arraycopy(current, 0, shrunk, 0, i);
                System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
                entries = shrunk;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every slot is free (all resources destroyed) or the deadline passes.
     *
     * @return true when empty
     */
    boolean awaitEmpty(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (slots.get() > 0) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                emptied.await(remaining, TimeUnit.NANOSECONDS);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
