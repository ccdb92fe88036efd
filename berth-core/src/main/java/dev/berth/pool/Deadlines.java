package dev.berth.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes waiters when their deadline passes, so a waiting thread parks without a timeout.
 *
 * <p>Why not {@code parkNanos}: on a virtual thread every timed park schedules a task with the JDK's delay
 * scheduler and cancels it when the thread is unparked first, and both wake the scheduler's platform thread.
 * With 64 virtual threads running {@code SELECT 1} on 10 PostgreSQL connections that was 15 % of all the CPU
 * the benchmark used (async-profiler), on a machine where the pool competes with the database for two cores.
 * One thread per pool, sleeping until the earliest deadline of any waiter, replaces it: with the pool's default
 * timeout no newcomer's deadline is earlier than the one it already sleeps towards, so it wakes about once per
 * {@code acquireTimeout}, not once per wait.
 *
 * <p>The handshake: a waiter queues itself, then reads {@link #target} (when this thread will look next) and
 * lowers it, waking this thread, only when its own deadline is earlier. This thread writes the target after a
 * pass over the queue, then passes over it again, so a waiter that queued during the first pass and compared
 * with the old target is seen by the second.
 *
 * <p>A platform thread, not a virtual one: a platform-thread caller's timeout must not depend on a free carrier.
 */
final class Deadlines {
    private static final VarHandle TARGET;
    private static final System.Logger LOG = System.getLogger("dev.berth.pool");
    /** After a failed pass, look again this soon. */
    private static final long RETRY_NANOS = 10_000_000L;

    static {
        try {
            TARGET = MethodHandles.lookup().findVarHandle(Deadlines.class, "target", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final WaitQueue<?> queue;
    /** How long to sleep when nobody waits: a waiter with the pool's default timeout needs no earlier wake-up. */
    private volatile long restNanos;
    private final Thread thread;
    /** This thread looks at the queue again by then, at the latest. */
    private volatile long target;
    private volatile boolean stopped;

    Deadlines(String poolName, WaitQueue<?> queue, long restNanos) {
        this.queue = queue;
        this.restNanos = restNanos;
        this.target = System.nanoTime() + restNanos;
        this.thread = Thread.ofPlatform().daemon().name("berth-" + poolName + "-deadlines").unstarted(this::run);
    }

    /** The pool's acquire timeout changed: sleep this long when nobody waits. */
    void rest(long nanos) {
        restNanos = nanos;
    }

    void start() {
        thread.start();
    }

    /** A queued waiter is about to sleep until {@code deadline}: makes sure it is woken then. */
    void watch(long deadline) {
        long current;
        while (deadline - (current = target) < 0) {
            if (TARGET.compareAndSet(this, current, deadline)) {
                LockSupport.unpark(thread);
                return;
            }
        }
    }

    private void run() {
        while (!stopped) {
            try {
                target = queue.expire(System.nanoTime(), restNanos);
                lower(queue.expire(System.nanoTime(), restNanos)); // see the class comment: the second pass
            } catch (Throwable t) {
                // Every waiter's timeout depends on this thread: it must outlive anything a pass can throw.
                LOG.log(System.Logger.Level.ERROR, () -> "pool deadlines: a pass over the waiters failed: " + t);
                target = System.nanoTime() + RETRY_NANOS;
            }
            long sleep = target - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(this, sleep); // returns early when a waiter lowers the target
            }
        }
    }

    private void lower(long next) {
        long current;
        while (next - (current = target) < 0 && !TARGET.compareAndSet(this, current, next)) {
            // lost to a waiter lowering it: compare again
        }
    }

    /** Stops the thread; the pool has failed its waiters already. */
    void stop(Duration grace) throws InterruptedException {
        stopped = true;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            thread.join(grace);
        }
    }
}
