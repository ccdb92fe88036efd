package dev.berth.scope;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A blocking {@link Scope} seen as an {@link AsyncScope}: {@code enter} and {@code exit} run as tasks on an
 * executor. Returned by {@link Scopes#async(Scope, Executor)}.
 *
 * @param <T> what the scope provides
 */
final class ExecutorScope<T> implements AsyncScope<T> {

    private final Scope<T> scope;
    private final Executor executor;

    ExecutorScope(Scope<T> scope, Executor executor) {
        this.scope = scope;
        this.executor = executor;
    }

    @Override
    public CompletionStage<T> enter() {
        CompletableFuture<T> entered = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    entered.complete(scope.enter());
                } catch (Throwable t) {
                    entered.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException rejected) {
            // Nothing was entered yet, so refusing is safe: the caller sees why.
            entered.completeExceptionally(rejected);
        }
        return entered;
    }

    @Override
    public CompletionStage<Boolean> exit(Throwable failure) {
        CompletableFuture<Boolean> exited = new CompletableFuture<>();
        Runnable exit = () -> {
            try {
                exited.complete(scope.exit(failure));
            } catch (Throwable t) {
                exited.completeExceptionally(t);
            }
        };
        try {
            executor.execute(exit);
        } catch (RejectedExecutionException rejected) {
            // The scope is entered: skipping its exit would lose the resource, so exit right here instead.
            exit.run();
        }
        return exited;
    }

    @Override
    public String toString() {
        return "async " + scope.getClass().getName();
    }
}
