package dev.berth.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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
 *
 * <p>The queue owns the waiter's life-cycle and the moment an entry becomes free: a waiter leaves it by being
 * served ({@link #serve}), failed ({@link #close}, {@link #failOlderThan}) or by giving up ({@link #giveUp}), and
 * every entry a thread is done with goes through {@link #giveBack} or {@link #makeIdle}, so whoever waits is
 * always told. It is also the pool's gate: once {@link #close closed}, a waiter added is failed at once, and an
 * entry made idle is handed to the pool's discard action instead of being lent again.
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

    /** {@link #gate} bits: the queue is in FIFO mode (idle entries go to the head, newcomers queue behind it). */
    private static final int FIFO = 1;
    /** {@link #gate} bits: the pool is suspended (nothing is lent; callers queue, idle entries stay idle). */
    private static final int SUSPENDED = 2;
    private static final VarHandle GATE;

    static {
        try {
            GATE = MethodHandles.lookup().findVarHandle(WaitQueue.class, "gate", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EntryTable<R> table;
    /** Takes an entry that became idle after close (the caller owns it): the pool destroys it. */
    private final Consumer<PooledEntry<R>> discard;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    /**
     * {@link #FIFO} and {@link #SUSPENDED} in one field, so a borrower learns from one read whether it may take an
     * idle entry, and a hand-off ending FIFO mode cannot clear a suspension that began meanwhile.
     */
    @SuppressWarnings("unused") // written through GATE
    private volatile int gate;
    /** Set by {@link #refuseNewcomers}: a waiter added from then on is failed with it; those queued before stay. */
    private volatile Throwable refusingWith;
    /** Set once by {@link #close}: from then on every waiter is failed with it. */
    private volatile Throwable closedWith;

    WaitQueue(EntryTable<R> table, Consumer<PooledEntry<R>> discard) {
        this.table = table;
        this.discard = discard;
    }

    /** Whether the pool closed: nobody is served any more. */
    boolean closed() {
        return closedWith != null;
    }

    /** Whether newcomers must queue instead of taking idle entries: the queue is in FIFO mode, or suspended. */
    boolean fifo() {
        return gate != 0;
    }

    /** Whether the pool is suspended: nobody is lent anything until {@link #resume}. */
    boolean suspended() {
        return (gate & SUSPENDED) != 0;
    }

    /** Stops lending: callers queue (and time out as usual), idle entries wait for {@link #resume}. */
    void suspend() {
        GATE.getAndBitwiseOr(this, SUSPENDED);
    }

    /** Lends again, to the callers queued meanwhile first, in arrival order. */
    void resume() {
        // those who waited through the suspension go first; handOff ends FIFO mode once they are served
        GATE.getAndBitwiseOr(this, FIFO);
        GATE.getAndBitwiseAnd(this, ~SUSPENDED);
        drain();
        if (waiting.get() == 0) {
            endFifo(); // nobody waited through it: newcomers may take idle entries again at once
        }
    }

    private void endFifo() {
        if ((gate & FIFO) != 0) {
            GATE.getAndBitwiseAnd(this, ~FIFO);
        }
    }

    /** The start of a graceful close: callers queued now are still served, later ones are failed with {@code failure}. */
    void refuseNewcomers(Throwable failure) {
        refusingWith = failure;
    }

    /** Callers still waiting. */
    int count() {
        return waiting.get();
    }

    /**
     * Queues a waiter; the count rises first, so a concurrent return sees it. Returns the new count. A waiter
     * added after {@link #close} is failed at once (close may have swept the queue before it arrived).
     */
    int add(Waiter waiter) {
        Throwable refusing = refusingWith;
        if (refusing != null && waiter.complete(refusing)) {
            return waiting.get(); // never queued: the caller reads the failure as its result
        }
        int count = waiting.incrementAndGet();
        waiters.offer(waiter);
        Throwable closing = closedWith;
        if (closing != null) {
            failAll(closing);
        }
        return count;
    }

    /**
     * The one way a waiter stops waiting on its own (it served itself, timed out, was interrupted or cancelled):
     * true when it did, and then the next waiter is woken if entries are idle, since this one may have been woken
     * for an entry it will not take. False when something was handed over first: the waiter must take it.
     */
    boolean giveUp(Waiter waiter) {
        if (!waiter.cancel()) {
            return false;
        }
        waiting.decrementAndGet();
        passOn();
        return true;
    }

    /**
     * The one way an entry becomes idle: publishes it (a volatile write, before the queue is read) and wakes the
     * head if anyone waits. After close the entry is taken back and discarded instead.
     */
    void makeIdle(PooledEntry<R> entry) {
        entry.setIdle();
        if (waiting.get() > 0) {
            signal();
        }
        if (closedWith != null && entry.claim(PooledEntry.IDLE, PooledEntry.LEASED)) {
            discard.accept(entry);
        }
    }

    /** An entry its holder is done with: straight to the oldest waiter in FIFO mode, otherwise made idle. */
    void giveBack(PooledEntry<R> entry) {
        if (gate != 0 && waiting.get() > 0 && handOff(entry)) {
            return;
        }
        makeIdle(entry);
    }

    /** A waiter no thread runs for (a future) was woken: serve it an idle entry here, if there is one. */
    void serveIdle(Waiter waiter) {
        PooledEntry<R> entry = suspended() ? null : table.claimIdle();
        if (entry == null) {
            waiter.missed();
        } else if (!serve(waiter, entry)) {
            makeIdle(entry);
        }
    }

    /** An entry became idle while callers may wait: wake the head, or in FIFO mode hand entries over. */
    void signal() {
        int current = gate;
        if ((current & SUSPENDED) != 0) {
            return; // resume() serves the queue
        }
        Waiter head = liveHead();
        if (head == null) {
            return;
        }
        if ((current & FIFO) != 0 || head.passedOver() && System.nanoTime() - head.start >= STARVATION_NANOS) {
            GATE.getAndBitwiseOr(this, FIFO);
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
        while (!suspended() && !waiters.isEmpty()) {
            PooledEntry<R> entry = table.claimIdle();
            if (entry == null) {
                return;
            }
            if (!handOff(entry)) {
                makeIdle(entry); // every waiter had given up meanwhile
                return;
            }
        }
    }

    /** Hands an entry the caller owns to the oldest waiter; false when nobody waits. */
    boolean handOff(PooledEntry<R> entry) {
        if (suspended()) {
            return false;
        }
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (serve(waiter, entry)) {
                if (System.nanoTime() - waiter.start < STARVATION_NANOS || waiters.peek() == null) {
                    endFifo(); // the queue is short again: back to letting running callers take idle entries
                }
                return true;
            }
        }
        endFifo();
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

    /** Closes the gate: fails every waiter now and every one added later with {@code failure}. */
    void close(Throwable failure) {
        closedWith = failure;
        failAll(failure);
    }

    private void failAll(Throwable failure) {
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
