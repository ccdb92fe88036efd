package dev.berth.scope;

import static java.util.concurrent.CompletableFuture.completedFuture;
import static java.util.concurrent.CompletableFuture.failedFuture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class AsyncAdapterTest {

    private final RecordingScope scope = new RecordingScope();

    @Test
    void blockingScopeRunsEnterAndExitOnVirtualThreads() throws Exception {
        List<Boolean> virtual = new CopyOnWriteArrayList<>();
        Scope<String> observed = new Scope<>() {
            @Override
            public String enter() throws Exception {
                virtual.add(Thread.currentThread().isVirtual());
                return scope.enter();
            }

            @Override
            public boolean exit(Throwable failure) throws Exception {
                virtual.add(Thread.currentThread().isVirtual());
                return scope.exit(failure);
            }
        };

        String result = Scopes.usingAsync(Scopes.async(observed), value -> completedFuture(value + " used")).get();

        assertThat(result).isEqualTo("resource used");
        assertThat(virtual).containsExactly(true, true);
        assertThat(scope.onlyFailureSeen()).isNull();
    }

    @Test
    void blockingEnterFailureFailsTheFutureWithoutExit() {
        IOException enterFailure = new IOException("connection refused");
        scope.failingEnter(enterFailure);

        CompletableFuture<String> result = Scopes.usingAsync(Scopes.async(scope), value -> completedFuture(value));

        assertThatThrownBy(result::get).cause().isSameAs(enterFailure);
        assertThat(scope.exits).hasValue(0);
    }

    @Test
    void blockingExitSeesTheAsyncBodysFailure() {
        IOException failure = new IOException("query failed");

        CompletableFuture<String> result = Scopes.usingAsync(Scopes.async(scope), value -> failedFuture(failure));

        assertThatThrownBy(result::get).cause().isSameAs(failure);
        assertThat(scope.onlyFailureSeen()).isSameAs(failure);
    }

    @Test
    void exitRunsOnTheCallingThreadWhenTheExecutorRefusesIt() {
        // Accepts the enter task, then shuts down: the exit task is refused.
        Executor acceptsOnce = new Executor() {
            private boolean used;

            @Override
            public void execute(Runnable task) {
                if (used) {
                    throw new RejectedExecutionException("executor shut down");
                }
                used = true;
                task.run();
            }
        };

        CompletableFuture<String> result = Scopes.usingAsync(Scopes.async(scope, acceptsOnce), value -> completedFuture("done"));

        assertThat(result).isCompletedWithValue("done");
        assertThat(scope.exits).hasValue(1);
    }

    @Test
    void refusedEnterFailsTheFutureWithoutExit() {
        Executor refusing = task -> {
            throw new RejectedExecutionException("executor shut down");
        };

        CompletableFuture<String> result = Scopes.usingAsync(Scopes.async(scope, refusing), value -> completedFuture("done"));

        assertThatThrownBy(result::get).cause().isInstanceOf(RejectedExecutionException.class);
        assertThat(scope.enters).hasValue(0);
        assertThat(scope.exits).hasValue(0);
    }
}
