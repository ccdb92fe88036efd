package dev.berth.scope;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Runs a scope's body on its own virtual thread with a deadline, and only returns once that thread has
 * stopped: the scope's exit must never run while the body still uses what {@code enter} gave it.
 *
 * @param <T> what the body receives
 * @param <R> what the body returns
 */
final class TimedBody<T, R> implements Runnable {

    /** How a body ended: a result, or a failure (then {@code result} is {@code null}). */
    record Outcome<R>(R result, Throwable failure) {}

    private final ScopeBody<? super T, ? extends R> body;
    private final T value;
    // Written by the body thread, read by the caller after Thread.join (which orders the accesses).
    private R result;
    private Throwable failure;

    private TimedBody(ScopeBody<? super T, ? extends R> body, T value) {
        this.body = body;
        this.value = value;
    }

    @Override
    public void run() {
        try {
            result = body.apply(value);
        } catch (Throwable t) {
            failure = t;
        }
    }

    /**
     * Runs {@code body} on a new virtual thread and waits for it at most {@code timeout}. On timeout, or
     * when the caller is interrupted while waiting, the body's thread is interrupted and waited for until
     * it stops. Never throws: every way of ending, including failing to start the thread, is an outcome.
     */
    static <T, R> Outcome<R> call(ScopeBody<? super T, ? extends R> body, T value, Duration timeout) {
        TimedBody<T, R> task = new TimedBody<>(body, value);
        Thread thread;
        try {
            thread = Thread.ofVirtual().name("berth-scope-body").start(task);
        } catch (Throwable cannotStart) {
            return new Outcome<>(null, cannotStart);
        }
        Throwable stopped;
        try {
            if (thread.join(timeout)) {
                return new Outcome<>(task.result, task.failure);
            }
            stopped = new TimeoutException("The scope's body did not finish within " + describe(timeout)
                    + "; it was interrupted and the scope exited after the body stopped. Raise the timeout"
                    + " or find what the body waits for (its own failure, if any, is attached as suppressed).");
        } catch (InterruptedException callerInterrupted) {
            stopped = callerInterrupted;
        }
        thread.interrupt();
        boolean interruptedAgain = joinUninterruptibly(thread);
        if (task.failure != null) {
            Failures.attach(stopped, task.failure);
        }
        if (interruptedAgain) {
            // The caller was interrupted while we had to wait for the body: keep that for the caller.
            Thread.currentThread().interrupt();
        }
        return new Outcome<>(null, stopped);
    }

    private static boolean joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    static String describe(Duration timeout) {
        return timeout.toMillis() >= 1 ? timeout.toMillis() + " ms" : timeout.toNanos() + " ns";
    }
}
