package dev.berth.scope;

import java.util.concurrent.CompletionStage;

/**
 * The asynchronous twin of {@link Scope}, for callers that compose {@link CompletionStage}s instead of
 * blocking a (virtual) thread. Use it with {@link Scopes#usingAsync(AsyncScope, java.util.function.Function)}:
 * once {@link #enter()} completes normally, {@link #exit(Throwable)} runs exactly once, also when the body's
 * stage fails or the caller cancels the returned stage.
 *
 * @param <T> what the body receives from {@code enter}
 */
public interface AsyncScope<T> {

    /**
     * Starts entering the scope.
     *
     * @return a stage completing with the value for the body, or exceptionally when the scope cannot be
     *     entered (then {@code exit} is not called)
     */
    CompletionStage<T> enter();

    /**
     * Starts exiting the scope.
     *
     * @param failure what the body failed with, or {@code null} when it completed normally
     * @return a stage completing with {@code true} to suppress {@code failure}; a stage that fails means
     *     exiting failed (attached as suppressed when the body failed too)
     */
    CompletionStage<Boolean> exit(Throwable failure);
}
