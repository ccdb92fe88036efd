package dev.berth.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual threads that each run a call with a fresh id in a loop, for the failure tests: what they saw, counted. A
 * call that returns acknowledges its id (a committed insert, a written key); one that throws counts as a failure and
 * its message is kept (the first 1,000). After {@link #healedAt(long)}, the first call that starts then and succeeds
 * marks the recovery.
 *
 * {@snippet :
 * CallerLoad load = CallerLoad.start("insert", 200, id -> insert(dataSource, id));
 * load.awaitSuccesses(500);
 * proxy.resetAll();
 * load.healedAt(System.nanoTime());
 * load.awaitRecovery();
 * load.stop();
 * assertThat(storedIds()).containsAll(load.acknowledged);
 * }
 *
 * <p>Thread-safe: the test thread reads the counters while the callers run.
 */
public final class CallerLoad {

    /** One call of one caller. */
    @FunctionalInterface
    public interface Call {
        /**
         * @param id a fresh id, never given to another call
         * @throws Exception when the call failed; it then does not acknowledge {@code id}
         */
        void run(long id) throws Exception;
    }

    /** Ids whose call returned. */
    public final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();
    /** Calls that returned. */
    public final AtomicLong successes = new AtomicLong();
    /** Calls that threw. */
    public final AtomicLong failures = new AtomicLong();
    /** The longest a call took, failed or not, in ns. */
    public final AtomicLong longest = new AtomicLong();
    /** When the first call that started at or after {@link #healedAt()} returned ({@link System#nanoTime()}), or 0. */
    public final AtomicLong recoveredAt = new AtomicLong();
    /** The messages of the first 1,000 failures. */
    public final Queue<String> messages = new ConcurrentLinkedQueue<>();

    private final Call call;
    private final AtomicLong ids = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile long healedAt = Long.MAX_VALUE;
    private volatile boolean stop;

    private CallerLoad(Call call) {
        this.call = call;
    }

    /**
     * @param name names the threads ({@code name-0}, {@code name-1}, ...)
     * @param callers how many virtual threads call
     * @param call what each of them does, again and again
     * @return the running load; {@link #stop()} it
     */
    public static CallerLoad start(String name, int callers, Call call) {
        CallerLoad load = new CallerLoad(call);
        for (int i = 0; i < callers; i++) {
            load.threads.add(Thread.ofVirtual().name(name + "-" + i).start(load::run));
        }
        return load;
    }

    private void run() {
        while (!stop) {
            long start = System.nanoTime();
            long id = ids.incrementAndGet();
            try {
                call.run(id);
                acknowledged.add(id);
                successes.incrementAndGet();
                if (start - healedAt >= 0) {
                    recoveredAt.compareAndSet(0, System.nanoTime());
                }
            } catch (Exception e) {
                failures.incrementAndGet();
                if (messages.size() < 1_000) {
                    messages.add(String.valueOf(e.getMessage()));
                }
            } finally {
                longest.accumulateAndGet(System.nanoTime() - start, Math::max);
            }
        }
    }

    /** @param nanos from this {@link System#nanoTime()} on, a call that starts and succeeds counts as the recovery */
    public void healedAt(long nanos) {
        healedAt = nanos;
    }

    /** @return when the fault ended ({@link System#nanoTime()}), or {@link Long#MAX_VALUE} before it did */
    public long healedAt() {
        return healedAt;
    }

    /** @return ms from {@link #healedAt()} to {@link #recoveredAt} */
    public long recoveryMillis() {
        return (recoveredAt.get() - healedAt) / 1_000_000;
    }

    /** Waits (20 s at most) until {@code n} calls have returned in all. */
    public void awaitSuccesses(long n) {
        await("the load runs").atMost(Duration.ofSeconds(20)).until(() -> successes.get() >= n);
    }

    /** Waits (20 s at most) until {@code n} more calls have returned than now. */
    public void awaitSuccessesAfter(long n) {
        awaitSuccesses(successes.get() + n);
    }

    /** Waits (20 s at most) until a call that started after {@link #healedAt(long)} has returned. */
    public void awaitRecovery() {
        await("a call that started after the fault ended succeeds").atMost(Duration.ofSeconds(20))
                .until(() -> recoveredAt.get() != 0);
    }

    /** Stops the callers and waits until each has finished its call. */
    public void stop() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join();
        }
    }
}
