package dev.berth.scope;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs code inside {@link Scope}s: berth's {@code async with}. Every method here promises the same thing:
 * once {@code enter} succeeded, {@code exit} runs exactly once, after the body has stopped, and sees how the
 * body ended, whether it returned, threw an exception or an {@link Error}, was interrupted, timed out or was
 * cancelled. When {@code enter} fails, neither the body nor {@code exit} runs.
 *
 * {@snippet :
 * String name = Scopes.using(pool.scope(), connection -> findName(connection, id));
 * Scopes.run(Stopwatch.logging("nightly cleanup"), watch -> cleanup());
 * Report report = Scopes.using(pool.scope(), Duration.ofSeconds(2), connection -> build(connection));
 * }
 *
 * <p><b>How failures combine.</b> When the body fails, {@code exit} receives the failure; if it returns
 * {@code true} the failure is suppressed and the call returns {@code null}. When both the body and
 * {@code exit} fail, the body's failure is thrown and the exit's failure is attached to it with
 * {@link Throwable#addSuppressed(Throwable)}, as try-with-resources does. This is the one difference from
 * Python, where an exception raised by {@code __exit__} replaces the body's: in berth the first failure,
 * usually the cause, stays on top. When only {@code exit} fails, its failure is thrown. Failures are
 * rethrown as they are: an {@link Error} stays an {@link Error}, a checked exception keeps its type.
 *
 * <p><b>Interrupts.</b> {@code exit} runs with the thread's interrupt status as the body left it, and the
 * interrupt is never lost: when the body left the thread interrupted, or its {@link InterruptedException}
 * was suppressed by {@code exit}, the thread is interrupted again when the call returns (unless it throws
 * an {@link InterruptedException}, which itself reports the interrupt).
 *
 * <p><b>Concurrency.</b> These methods keep no state and may be called from any number of threads; each
 * call enters and exits its scope once. Whether one scope instance may be used by several calls at once is
 * up to the scope.
 */
public final class Scopes {

    private Scopes() {}

    /**
     * Enters {@code scope}, runs {@code body} on the calling thread, and exits the scope exactly once.
     * When body and exit both fail, the body's failure is thrown with the exit's attached (the class
     * comment explains this, and how it differs from Python).
     *
     * {@snippet :
     * String name = Scopes.using(pool.scope(), connection -> findName(connection, id));
     * }
     *
     * @param scope the scope to enter
     * @param body the code to run with what {@code enter} returned
     * @param <T> what the scope provides
     * @param <R> what the body returns
     * @return the body's result, or {@code null} when the body failed and {@code exit} suppressed the failure
     * @throws Exception what {@code enter} threw, the body's failure (with any failure of {@code exit}
     *     attached as suppressed), or the failure of {@code exit} when the body completed
     */
    public static <T, R> R using(Scope<T> scope, ScopeBody<? super T, ? extends R> body) throws Exception {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(body, "body");
        T value = scope.enter();
        R result;
        try {
            result = body.apply(value);
        } catch (Throwable failure) {
            exit(scope, failure);
            return null;
        }
        exit(scope, null);
        return result;
    }

    /**
     * Like {@link #using(Scope, ScopeBody)} for a body that returns nothing.
     *
     * {@snippet :
     * Scopes.run(Stopwatch.logging("reindex"), watch -> reindex());
     * }
     *
     * @param scope the scope to enter
     * @param action the code to run with what {@code enter} returned
     * @param <T> what the scope provides
     * @throws Exception as {@link #using(Scope, ScopeBody)} does
     */
    public static <T> void run(Scope<T> scope, ScopeAction<? super T> action) throws Exception {
        Objects.requireNonNull(action, "action");
        using(scope, value -> {
            action.accept(value);
            return null;
        });
    }

    /**
     * Enters {@code scope} on the calling thread, runs {@code body} on a new virtual thread for at most
     * {@code timeout}, then exits the scope exactly once on the calling thread. The timeout bounds the
     * body only, not {@code enter} or {@code exit}.
     *
     * <p>When the body does not finish in time, its thread is interrupted and the call <em>waits until the
     * body has stopped</em>; only then does {@code exit} run, with a {@link TimeoutException} (the body's
     * own late failure, typically an {@link InterruptedException}, is attached to it as suppressed), and the
     * call throws that {@link TimeoutException}. A body that ignores interrupts therefore holds the caller
     * until it finishes: the scope's resource is never given back while the body still uses it. When the
     * calling thread is interrupted while waiting, the body is interrupted and waited for the same way, and
     * {@code exit} sees the caller's {@link InterruptedException}, which is then thrown.
     *
     * <p>The body runs on another thread, so it does not see the caller's thread-locals or scoped values.
     *
     * {@snippet :
     * Report report = Scopes.using(pool.scope(), Duration.ofSeconds(2), connection -> build(connection));
     * }
     *
     * @param scope the scope to enter
     * @param timeout how long the body may run; must be positive
     * @param body the code to run with what {@code enter} returned
     * @param <T> what the scope provides
     * @param <R> what the body returns
     * @return the body's result, or {@code null} when the body failed or timed out and {@code exit}
     *     suppressed that failure
     * @throws TimeoutException when the body did not finish within {@code timeout}
     * @throws InterruptedException when the calling thread was interrupted while the body ran
     * @throws Exception otherwise as {@link #using(Scope, ScopeBody)} does
     */
    public static <T, R> R using(Scope<T> scope, Duration timeout, ScopeBody<? super T, ? extends R> body)
            throws Exception {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(body, "body");
        requirePositive(timeout);
        T value = scope.enter();
        TimedBody.Outcome<R> outcome = TimedBody.call(body, value, timeout);
        exit(scope, outcome.failure());
        return outcome.failure() == null ? outcome.result() : null;
    }

    /**
     * Like {@link #using(Scope, Duration, ScopeBody)} for a body that returns nothing.
     *
     * @param scope the scope to enter
     * @param timeout how long the action may run; must be positive
     * @param action the code to run with what {@code enter} returned
     * @param <T> what the scope provides
     * @throws Exception as {@link #using(Scope, Duration, ScopeBody)} does
     */
    public static <T> void run(Scope<T> scope, Duration timeout, ScopeAction<? super T> action) throws Exception {
        Objects.requireNonNull(action, "action");
        using(scope, timeout, value -> {
            action.accept(value);
            return null;
        });
    }

    /**
     * The asynchronous twin of {@link #using(Scope, ScopeBody)}: enters the scope, runs the body's stage and
     * exits the scope exactly once, without blocking any thread. The same rules decide the outcome: a
     * suppressed failure completes the future with {@code null}; when body and exit both fail, the body's
     * failure completes the future with the exit's attached as suppressed. A body that throws instead of
     * returning a stage has failed like any other. {@code exit} receives failures unwrapped from
     * {@link CompletionException}. Callbacks run on whichever thread completes the previous stage.
     *
     * <p><b>Cancellation.</b> Cancelling the returned future gives up on the outcome but never skips the
     * exit. Cancelled before the scope is entered: once {@code enter} completes, the body is skipped and
     * {@code exit} runs with a {@link java.util.concurrent.CancellationException}. Cancelled while the body
     * runs: the body is not stopped (a {@link CompletionStage} offers no way to stop the work behind it),
     * and when its stage completes {@code exit} runs with a {@code CancellationException} (the body's own
     * failure, if any, attached as suppressed), so a transaction rolls back rather than commit work whose
     * outcome nobody will see.
     *
     * {@snippet :
     * CompletableFuture<Integer> deleted = Scopes.usingAsync(Scopes.async(pool.scope()),
     *         connection -> CompletableFuture.supplyAsync(() -> deleteExpired(connection), workers));
     * }
     *
     * @param scope the scope to enter
     * @param body starts the work with what {@code enter} yielded and returns its stage
     * @param <T> what the scope provides
     * @param <R> what the body's stage yields
     * @return a future completing after {@code exit} has completed, with the body's result, {@code null}
     *     when a failure was suppressed, or the failure
     */
    public static <T, R> CompletableFuture<R> usingAsync(
            AsyncScope<T> scope, Function<? super T, ? extends CompletionStage<? extends R>> body) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(body, "body");
        return AsyncUsing.start(scope, body);
    }

    /**
     * Adapts a blocking scope to an {@link AsyncScope} whose {@code enter} and {@code exit} each run as a
     * task on {@code executor}. Should the executor refuse the exit task, {@code exit} runs on the calling
     * thread instead: an entered scope is never left without its exit. Pass {@code Runnable::run} for a
     * scope that never blocks, such as a {@link Stopwatch}.
     *
     * <p>{@code enter} and {@code exit} may run on different threads, so do not adapt a scope whose exit
     * must run on the thread that entered it (one that holds a lock, for example).
     *
     * {@snippet :
     * CompletableFuture<Report> report = Scopes.usingAsync(Scopes.async(watch, Runnable::run),
     *         w -> client.fetchReport());
     * }
     *
     * @param scope the blocking scope
     * @param executor where {@code enter} and {@code exit} run
     * @param <T> what the scope provides
     * @return the asynchronous view of {@code scope}
     */
    public static <T> AsyncScope<T> async(Scope<T> scope, Executor executor) {
        return new ExecutorScope<>(Objects.requireNonNull(scope, "scope"), Objects.requireNonNull(executor, "executor"));
    }

    /**
     * Adapts a blocking scope to an {@link AsyncScope} whose {@code enter} and {@code exit} each run on a
     * new virtual thread, where blocking is cheap. See {@link #async(Scope, Executor)}.
     *
     * {@snippet :
     * CompletableFuture<String> name = Scopes.usingAsync(Scopes.async(pool.scope()),
     *         connection -> CompletableFuture.completedFuture(findName(connection, id)));
     * }
     *
     * @param scope the blocking scope
     * @param <T> what the scope provides
     * @return the asynchronous view of {@code scope}
     */
    public static <T> AsyncScope<T> async(Scope<T> scope) {
        return async(scope, task -> Thread.ofVirtual().name("berth-scope").start(task));
    }

    /**
     * A scope around something already open, like Python's {@code contextlib.closing}: {@code enter}
     * returns {@code closeable}, {@code exit} closes it and never suppresses a failure. Useful where a
     * {@link Scope} is needed, such as with a timeout or in a {@link ScopeStack}.
     *
     * {@snippet :
     * long copied = Scopes.using(Scopes.closing(Files.newInputStream(path)), Duration.ofSeconds(30),
     *         in -> in.transferTo(out));
     * }
     *
     * @param closeable what to hand to the body and close afterwards; enter the scope once
     * @param <C> the closeable's type
     * @return a scope closing {@code closeable} on exit
     */
    public static <C extends AutoCloseable> Scope<C> closing(C closeable) {
        return new ClosingScope<>(Objects.requireNonNull(closeable, "closeable"));
    }

    /**
     * Exits {@code scope} once and throws what the caller must throw; returns normally when the body
     * completed and exit did too, or when exit suppressed the body's failure.
     */
    private static void exit(Scope<?> scope, Throwable failure) throws Exception {
        boolean interrupted = failure instanceof InterruptedException || Thread.currentThread().isInterrupted();
        Throwable thrown;
        try {
            boolean suppress = scope.exit(failure);
            thrown = suppress ? null : failure;
        } catch (Throwable exitFailure) {
            if (failure != null) {
                Failures.attach(failure, exitFailure);
                thrown = failure;
            } else {
                thrown = exitFailure;
            }
        }
        if (interrupted && !(thrown instanceof InterruptedException)) {
            Thread.currentThread().interrupt();
        }
        if (thrown != null) {
            throw Failures.rethrow(thrown);
        }
    }

    private static void requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The scope timeout must be positive, but was " + timeout
                    + "; pass the longest time the body may run, for example Duration.ofSeconds(5).");
        }
    }
}
