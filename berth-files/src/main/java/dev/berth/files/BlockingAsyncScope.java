package dev.berth.files;

import dev.berth.scope.AsyncScope;
import dev.berth.scope.Scope;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** Runs a blocking scope's enter and exit on an executor, so callers composing stages never block on the disk. */
final class BlockingAsyncScope<T> implements AsyncScope<T> {

    private final Scope<T> scope;
    private final Executor executor;

    BlockingAsyncScope(Scope<T> scope, Executor executor) {
        this.scope = scope;
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    public CompletionStage<T> enter() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return scope.enter();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    @Override
    public CompletionStage<Boolean> exit(Throwable failure) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return scope.exit(failure);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
    }
}
