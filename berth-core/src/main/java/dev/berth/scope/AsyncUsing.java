package dev.berth.scope;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One run of {@link Scopes#usingAsync(AsyncScope, Function)}: enter, body, exit, chained on stages. Once
 * the scope is entered, every path ends in exactly one call of {@link AsyncScope#exit(Throwable)}, and
 * every callback catches everything, so the caller's future always completes.
 *
 * @param <T> what the body receives
 * @param <R> what the body's stage yields
 */
final class AsyncUsing<T, R> {

    private final AsyncScope<T> scope;
    private final Function<? super T, ? extends CompletionStage<? extends R>> body;
    private final CompletableFuture<R> result = new CompletableFuture<>();

    private AsyncUsing(AsyncScope<T> scope, Function<? super T, ? extends CompletionStage<? extends R>> body) {
        this.scope = scope;
        this.body = body;
    }

    static <T, R> CompletableFuture<R> start(
            AsyncScope<T> scope, Function<? super T, ? extends CompletionStage<? extends R>> body) {
        AsyncUsing<T, R> run = new AsyncUsing<>(scope, body);
        CompletionStage<T> entering;
        try {
            entering = scope.enter();
            if (entering == null) {
                throw new NullPointerException("AsyncScope.enter() returned null instead of a CompletionStage;"
                        + " return CompletableFuture.completedFuture(value) when entering needs no waiting.");
            }
        } catch (Throwable enterFailed) {
            run.result.completeExceptionally(enterFailed);
            return run.result;
        }
        entering.whenComplete(run::entered);
        return run.result;
    }

    private void entered(T value, Throwable enterFailure) {
        if (enterFailure != null) {
            result.completeExceptionally(unwrap(enterFailure));
            return;
        }
        // From here on the scope is entered: every path below ends in exactly one exit.
        if (result.isDone()) {
            exit(cancelled("before the scope was entered"), null);
            return;
        }
        CompletionStage<? extends R> running;
        try {
            running = body.apply(value);
            if (running == null) {
                throw new NullPointerException("The async scope body returned null instead of a CompletionStage;"
                        + " return CompletableFuture.completedFuture(result) for a body that needs no waiting.");
            }
        } catch (Throwable bodyFailed) {
            exit(bodyFailed, null);
            return;
        }
        running.whenComplete(this::bodyDone);
    }

    private void bodyDone(R value, Throwable bodyFailure) {
        Throwable failure = bodyFailure == null ? null : unwrap(bodyFailure);
        if (result.isDone()) {
            // Only the caller completes the future before exit (by cancelling it): it gave up on the
            // outcome, so exit as for a failure (a transaction rolls back).
            CancellationException cancelled = cancelled("while the body was running");
            if (failure != null) {
                cancelled.addSuppressed(failure);
            }
            failure = cancelled;
        }
        exit(failure, value);
    }

    private void exit(Throwable failure, R value) {
        CompletionStage<Boolean> exiting;
        try {
            exiting = scope.exit(failure);
            if (exiting == null) {
                throw new NullPointerException("AsyncScope.exit(failure) returned null instead of a CompletionStage;"
                        + " return CompletableFuture.completedFuture(false) when exiting needs no waiting.");
            }
        } catch (Throwable exitFailed) {
            finish(failure, value, false, exitFailed);
            return;
        }
        exiting.whenComplete((suppress, exitFailure) -> finish(failure, value,
                Boolean.TRUE.equals(suppress), exitFailure == null ? null : unwrap(exitFailure)));
    }

    private void finish(Throwable failure, R value, boolean suppress, Throwable exitFailure) {
        try {
            if (failure == null) {
                if (exitFailure == null) {
                    result.complete(value);
                } else {
                    result.completeExceptionally(exitFailure);
                }
            } else if (exitFailure != null) {
                Failures.attach(failure, exitFailure);
                result.completeExceptionally(failure);
            } else if (suppress) {
                result.complete(null);
            } else {
                result.completeExceptionally(failure);
            }
        } catch (Throwable unexpected) {
            // addSuppressed can refuse (suppression disabled, or a null); the caller must still hear back.
            result.completeExceptionally(failure != null ? failure : unexpected);
        }
    }

    private static CancellationException cancelled(String when) {
        return new CancellationException("The caller cancelled the scope's future " + when
                + "; the scope exits as if the body had failed.");
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
