package dev.berth.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * A caller waiting in the pool's FIFO queue. Completed exactly once, by whoever wins the CAS on
 * {@link #result}: a releasing thread handing over an entry, a failing creation, close, or the waiter
 * itself giving up (timeout, interrupt, cancellation) through {@link WaitQueue#giveUp}. Two kinds: a thread
 * {@link Parked} in {@code acquire}, and a future ({@link Async}) nobody runs for.
 */
abstract class Waiter {
    static final Object CANCELLED = new Object();
    private static final VarHandle RESULT;

    static {
        try {
            RESULT = MethodHandles.lookup().findVarHandle(Waiter.class, "result", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The longest wait any caller can ask for (146 years): keeps {@code start + timeout} from overflowing. */
    static final long FOREVER = Long.MAX_VALUE / 2;

    final long start;
    /** When the waiter gives up; {@link Deadlines} calls {@link #expire()} once it has passed. */
    final long deadline;
    /** null while waiting; then a PooledEntry, a Throwable or CANCELLED. */
    private volatile Object result;
    /**
     * Times this waiter ran after a wake-up and found nothing idle: running callers took the entry first. Only
     * that is unfairness the pool can correct; a waiter the operating system has not scheduled yet has not been
     * passed over, and handing it entries would only leave them unused until it runs. A heuristic: concurrent
     * increments may be lost.
     */
    private volatile int misses;

    /** A waiter without a deadline of its own (tests). */
    Waiter(long start) {
        this(start, start + FOREVER);
    }

    Waiter(long start, long deadline) {
        this.start = start;
        this.deadline = deadline;
    }

    /** Hands over an entry or a failure; false when the waiter was already completed or gave up. */
    final boolean complete(Object value) {
        if (RESULT.compareAndSet(this, null, value)) {
            completed(value);
            return true;
        }
        return false;
    }

    /** Gives up waiting; false when something was handed over first (the caller must then take it). */
    final boolean cancel() {
        return RESULT.compareAndSet(this, null, CANCELLED);
    }

    final Object result() {
        return result;
    }

    /** Woken, it ran and found nothing idle. */
    final void missed() {
        misses = misses + 1;
    }

    /** Whether running callers have taken an entry from under this waiter at least once. */
    final boolean passedOver() {
        return misses > 0;
    }

    /** Called once, on the completing thread, right after a successful {@link #complete}. */
    abstract void completed(Object value);

    /** An entry may be idle: let this waiter try for it (it stays queued). */
    abstract void wake();

    /** The deadline has passed: give up (may be called more than once, and after completion). */
    void expire() {
    }

    /** A thread parked in {@link FairPool#acquire}. */
    static final class Parked extends Waiter {
        private final Thread thread;
        /**
         * Woken and not yet looking: every release while callers wait wakes the head, and waking a thread that is
         * already awake (runnable, not yet scheduled) costs a lock in the JVM's parker for nothing. Cleared by
         * the waiter right before it looks for idle entries, so a release after that look wakes it again.
         */
        private volatile boolean signalled;

        Parked(long start, long deadline, Thread thread) {
            super(start, deadline);
            this.thread = thread;
        }

        /** About to look for idle entries: a release from now on must wake this waiter again. */
        void looking() {
            signalled = false;
        }

        @Override
        void completed(Object value) {
            LockSupport.unpark(thread);
        }

        /** Unconditionally: the thread must look at the clock after this, whatever woke it before. */
        @Override
        void expire() {
            LockSupport.unpark(thread);
        }

        @Override
        void wake() {
            if (!signalled) {
                signalled = true;
                LockSupport.unpark(thread);
            }
        }
    }

    /**
     * A future waiting in the queue, for {@code acquireAsync}. Nobody runs for it, so waking it means serving it an
     * idle entry right on the waking thread; the entry is then lent, and a timeout reported, on a virtual thread,
     * never on the releaser's or the deadlines thread: the future's dependants are the caller's code and may block.
     */
    static final class Async<R> extends Waiter {
        /** What the pool does for an async waiter once the queue is done with it. */
        interface Lender<R> {
            /** Lends {@code entry}, handed over to {@code waiter}, or queues the waiter again if it is not fit. */
            void deliver(PooledEntry<R> entry, Async<R> waiter);

            /**
             * The waiter gave up at its deadline (called on the deadlines thread): fail its future with the pool's
             * timeout error, off this thread.
             */
            void timedOut(Async<R> waiter);
        }

        final CompletableFuture<Lease<R>> future;
        private final WaitQueue<R> queue;
        private final Lender<R> lender;

        Async(long start, long deadline, CompletableFuture<Lease<R>> future, WaitQueue<R> queue, Lender<R> lender) {
            super(start, deadline);
            this.future = future;
            this.queue = queue;
            this.lender = lender;
        }

        @Override
        void expire() {
            if (queue.giveUp(this)) {
                lender.timedOut(this);
            }
        }

        @Override
        void wake() {
            queue.serveIdle(this);
        }

        @Override
        @SuppressWarnings("unchecked")
        void completed(Object value) {
            if (value instanceof PooledEntry<?> entry) {
                Thread.ofVirtual().start(() -> lender.deliver((PooledEntry<R>) entry, this));
            } else {
                future.completeExceptionally((Throwable) value);
            }
        }
    }
}
