package dev.berth.pool;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pool's waiting room: callers that found no idle entry, in arrival order, and the policy that serves
 * them (bounded barging).
 *
 * <p>Normally an entry that becomes idle wakes the head waiter, which competes for it with running callers:
 * cheap, since no entry is handed to a thread that is not running. Once the head has waited
 * {@link #STARVATION_NANOS} and has been passed over (it ran after a wake-up and running callers had taken
 * everything), the queue turns strictly FIFO: idle entries are handed to the head directly and newcomers queue
 * behind it, until the queue is short again. A head that waited long only because the operating system had not
 * scheduled it yet (platform threads outnumbering cores) was not treated unfairly by the pool; handing it entries
 * would leave them unused until it runs and turn the pool into a convoy. Nobody waits much longer than a perfectly fair
 * queue would make them, and short leases keep their throughput. (Go's {@code sync.Mutex} has the same two
 * modes, for the same reason.)
 *
 * <p>Waiters that gave up stay in the queue until they reach its head, where they are skipped; the
 * {@link #count()} counts only those still waiting.
 */
final class WaitQueue<R> {
    /**
     * How long the head may wait before the queue turns strictly FIFO. 5 ms rather than Go's 1 ms: with
     * {@code SELECT 1} on PostgreSQL, 64 virtual threads on 20 connections wait about 2 ms in a fair queue
     * (44 waiters at 20k queries/s), and at 1 ms the queue kept turning FIFO, leaving connections idle until a
     * parked waiter ran (18.1k queries/s against 22.0k at 5 ms, HikariCP 18.7k; docs/benchmarks.md).
     * Oversubscribed waits are tens of milliseconds, strictly FIFO either way.
     */
    static final long STARVATION_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final EntryTable<R> table;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean fifo;

    WaitQueue(EntryTable<R> table) {
        this.table = table;
    }

    /** Whether newcomers must queue instead of taking idle entries. */
    boolean fifo() {
        return fifo;
    }

    /** Callers still waiting. */
    int count() {
        return waiting.get();
    }

    /** Queues a waiter; the count rises first, so a concurrent return sees it. Returns the new count. */
    int add(Waiter waiter) {
        int count = waiting.incrementAndGet();
        waiters.offer(waiter);
        return count;
    }

    /** A waiter gave up (its {@link Waiter#cancel()} succeeded): it no longer counts. */
    void withdrawn() {
        waiting.decrementAndGet();
    }

    /** An entry became idle while callers may wait: wake the head, or in FIFO mode hand entries over. */
    void signal() {
        Waiter head = liveHead();
        if (head == null) {
            return;
        }
        if (fifo || head.passedOver() && System.nanoTime() - head.start >= STARVATION_NANOS) {
            fifo = true;
            drain();
        } else {
            head.wake();
        }
    }

    /** After a waiter served itself or gave up: wake the next one if entries are still idle. */
    void passOn() {
        if (waiting.get() > 0 && table.hasIdle()) {
            signal();
        }
    }

    /** Serves queued waiters from idle entries until one side runs out (FIFO mode). */
    void drain() {
        while (!waiters.isEmpty()) {
            PooledEntry<R> entry = table.claimIdle();
            if (entry == null) {
                return;
            }
            if (!handOff(entry)) {
                entry.setIdle();
            }
        }
    }

    /** Hands an entry the caller owns to the oldest waiter; false when nobody waits. */
    boolean handOff(PooledEntry<R> entry) {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (serve(waiter, entry)) {
                if (System.nanoTime() - waiter.start < STARVATION_NANOS || waiters.peek() == null) {
                    fifo = false; // the queue is short again: back to letting running callers take idle entries
                }
                return true;
            }
        }
        fifo = false;
        return false;
    }

    /** Completes one waiter with an entry; false when it had already given up or been served. */
    boolean serve(Waiter waiter, PooledEntry<R> entry) {
        if (waiter.complete(entry)) {
            waiting.decrementAndGet();
            return true;
        }
        return false;
    }

    /**
     * Tells each waiter whose deadline has passed to give up, and returns the earliest deadline of the others, or
     * {@code now + rest} when that is earlier or nobody else waits. Used by {@link Deadlines}; waiters that already
     * gave up (or were served) are skipped, those told now are not counted, so a slow-to-run one cannot make the
     * caller spin.
     */
    long expire(long now, long rest) {
        long earliest = now + rest;
        for (Waiter waiter : waiters) {
            if (waiter.result() != null) {
                continue;
            }
            if (waiter.deadline - now <= 0) {
                waiter.expire();
            } else if (waiter.deadline - earliest < 0) {
                earliest = waiter.deadline;
            }
        }
        return earliest;
    }

    /** Fails every waiter (the pool closed). */
    void failAll(Throwable failure) {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (waiter.complete(failure)) {
                waiting.decrementAndGet();
            }
        }
    }

    /** Fails the waiters that started waiting before {@code cutoff}; later ones keep their place. */
    void failOlderThan(long cutoff, Throwable failure) {
        Waiter waiter;
        while ((waiter = waiters.peek()) != null && waiter.start - cutoff < 0) {
            if (waiters.remove(waiter) && waiter.complete(failure)) {
                waiting.decrementAndGet();
            }
        }
    }

    private Waiter liveHead() {
        Waiter head;
        while ((head = waiters.peek()) != null && head.result() != null) {
            waiters.remove(head);
        }
        return head;
    }
}
