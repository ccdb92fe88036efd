package dev.berth.testing;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What may move through a {@link FaultProxy}, and when. Readers put what they read into a direction's
 * {@link Held} queue; writers take it out only when the traffic mode lets them, and say when the write is done,
 * so a mode change can wait until no write decided under the old mode is still under way. The lock also guards
 * the proxy's and its connections' state, so "is this connection still open" and "may this byte go" are one
 * decision.
 */
final class Gate {

    /** Held bytes per direction before the reader stops reading; the sender's TCP buffers hold the rest. */
    static final int MAX_HELD_BYTES = 1 << 20;

    /** A mode for the bytes of established connections. */
    record Traffic(String name, boolean holds, long delayNanos) {
        static final Traffic PASS = new Traffic("pass", false, 0);
        static final Traffic BLACKHOLE = new Traffic("blackhole", true, 0);

        static Traffic latency(long delayNanos) {
            return delayNanos == 0 ? PASS : new Traffic("latency " + TimeUnit.NANOSECONDS.toMillis(delayNanos) + " ms",
                    false, delayNanos);
        }
    }

    /** Bytes read in one go, with when they were read; {@link #EOF} stands for the sender's FIN. */
    record Chunk(byte[] bytes, long readAt) {
        static final Chunk EOF = new Chunk(null, 0);

        boolean isEof() {
            return bytes == null;
        }

        int length() {
            return bytes == null ? 0 : bytes.length;
        }
    }

    /** The chunks one direction of one connection has read and not yet written; guarded by the gate's lock. */
    static final class Held {
        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        private int bytes;
        private boolean ended;

        void clear() {
            chunks.clear();
            bytes = 0;
        }
    }

    final ReentrantLock lock = new ReentrantLock();
    // One condition for every wait: a test proxy carries a handful of connections, so waking them all on each
    // change costs nothing measurable, and a single condition cannot miss a wake-up.
    private final Condition changed = lock.newCondition();
    private Traffic traffic = Traffic.PASS;
    private int writesInFlight;

    /** Sets the traffic mode; returns once no write decided under the old mode is still under way. */
    void change(Traffic next) {
        lock.lock();
        try {
            traffic = next;
            changed.signalAll();
            while (writesInFlight > 0) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    Traffic traffic() {
        lock.lock();
        try {
            return traffic;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter to look again (a connection ended, a setting changed). Call with the lock held. */
    void signalAll() {
        changed.signalAll();
    }

    /** Marks the direction ended (nothing more goes in or out) and drops what it held. Call with the lock held. */
    void end(Held held) {
        held.ended = true;
        held.clear();
        changed.signalAll();
    }

    /**
     * Puts a chunk into the queue, waiting for room.
     *
     * @return false when the direction ended meanwhile (the chunk is dropped)
     */
    boolean hold(Held held, Chunk chunk) {
        lock.lock();
        try {
            while (!held.ended && held.bytes >= MAX_HELD_BYTES) {
                changed.awaitUninterruptibly();
            }
            if (held.ended) {
                return false;
            }
            held.chunks.addLast(chunk);
            held.bytes += chunk.length();
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the oldest chunk may be written: traffic is not held and the chunk's delay has passed. The
     * caller must call {@link #written()} after writing it.
     *
     * @return the chunk, or null when the direction ended
     */
    Chunk release(Held held) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (held.ended) {
                    return null;
                }
                Chunk head = held.chunks.peekFirst();
                if (head == null || traffic.holds()) {
                    changed.await();
                    continue;
                }
                long wait = head.readAt() + traffic.delayNanos() - System.nanoTime();
                if (wait > 0) {
                    changed.awaitNanos(wait);
                    continue;
                }
                held.chunks.removeFirst();
                held.bytes -= head.length();
                writesInFlight++;
                changed.signalAll();
                return head;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A write that {@link #release} allowed is done (written or failed). */
    void written() {
        lock.lock();
        try {
            writesInFlight--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits while traffic is held (a new connection under a blackhole is connected upstream only after it heals).
     *
     * @return false when the direction ended meanwhile
     */
    boolean awaitFlowing(Held held) {
        lock.lock();
        try {
            while (!held.ended && traffic.holds()) {
                changed.awaitUninterruptibly();
            }
            return !held.ended;
        } finally {
            lock.unlock();
        }
    }
}
