package dev.berth.scope;

import static java.util.concurrent.CompletableFuture.completedFuture;
import static java.util.concurrent.CompletableFuture.failedFuture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AsyncScopesTest {

    private final RecordingAsyncScope scope = RecordingAsyncScope.entered();

    @Test
    void bodysResultCompletesTheFutureAfterExitingOnceWithNoFailure() {
        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> completedFuture(value + " used"));

        assertThat(result).isCompletedWithValue("resource used");
        assertThat(scope.onlyFailureSeen()).isNull();
    }

    @Test
    void futureCompletesOnlyWhenTheExitStageCompletes() {
        scope.exiting = new CompletableFuture<>();

        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> completedFuture("done"));

        assertThat(result).isNotDone();
        scope.exiting.complete(false);
        assertThat(result).isCompletedWithValue("done");
    }

    @Test
    void exitSeesTheBodysFailureUnwrappedFromCompletionException() {
        IOException failure = new IOException("query failed");

        CompletableFuture<String> result = Scopes.usingAsync(scope,
                value -> failedFuture(new CompletionException(failure)));

        assertThat(scope.onlyFailureSeen()).isSameAs(failure);
        assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class).cause().isSameAs(failure);
    }

    @Test
    void synchronousThrowFromTheBodyIsAFailureSeenByExit() {
        IllegalArgumentException failure = new IllegalArgumentException("bad id");

        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> {
            throw failure;
        });

        assertThat(scope.onlyFailureSeen()).isSameAs(failure);
        assertThatThrownBy(result::get).cause().isSameAs(failure);
    }

    @Test
    void bodyReturningNullInsteadOfAStageIsAFailureSeenByExit() {
        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> null);

        assertThat(scope.onlyFailureSeen()).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("body returned null");
        assertThat(result).isCompletedExceptionally();
    }

    @Test
    void suppressingExitCompletesTheFutureWithNull() {
        scope.exiting = completedFuture(true);

        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> failedFuture(new IOException("lost")));

        assertThat(result).isCompletedWithValue(null);
    }

    @Test
    void bodyFailureStaysPrimaryAndExitFailureIsAttachedAsSuppressed() {
        IOException bodyFailure = new IOException("query failed");
        IllegalStateException exitFailure = new IllegalStateException("rollback failed");
        scope.exiting = failedFuture(new CompletionException(exitFailure));

        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> failedFuture(bodyFailure));

        assertThatThrownBy(result::get).cause().isSameAs(bodyFailure).hasSuppressedException(exitFailure);
    }

    @Test
    void exitFailureFailsTheFutureWhenTheBodySucceeded() {
        IOException exitFailure = new IOException("commit failed");
        scope.exiting = failedFuture(exitFailure);

        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> completedFuture("done"));

        assertThatThrownBy(result::get).cause().isSameAs(exitFailure);
    }

    @Test
    void failedEnterStageSkipsTheBodyAndTheExit() {
        RecordingAsyncScope refusing = new RecordingAsyncScope();
        IOException enterFailure = new IOException("connection refused");
        refusing.entering.completeExceptionally(enterFailure);
        AtomicBoolean bodyRan = new AtomicBoolean();

        CompletableFuture<String> result = Scopes.usingAsync(refusing, value -> {
            bodyRan.set(true);
            return completedFuture(value);
        });

        assertThatThrownBy(result::get).cause().isSameAs(enterFailure);
        assertThat(bodyRan).isFalse();
        assertThat(refusing.exits).hasValue(0);
    }

    @Test
    void enterThrowingSynchronouslyFailsTheFutureWithoutExit() {
        IllegalStateException enterFailure = new IllegalStateException("pool closed");
        AsyncScope<String> throwing = new AsyncScope<>() {
            @Override
            public CompletionStage<String> enter() {
                throw enterFailure;
            }

            @Override
            public CompletionStage<Boolean> exit(Throwable failure) {
                throw new AssertionError("exit must not run when enter failed");
            }
        };

        CompletableFuture<String> result = Scopes.usingAsync(throwing, value -> completedFuture(value));

        assertThatThrownBy(result::get).cause().isSameAs(enterFailure);
    }

    @Test
    void cancellingTheFutureStillExitsOnceAfterTheBodysStageCompletes() {
        CompletableFuture<String> body = new CompletableFuture<>();
        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> body);

        assertThat(result.cancel(true)).isTrue();
        assertThat(scope.exits).as("the body still holds the resource").hasValue(0);

        body.complete("finished anyway");

        assertThat(scope.onlyFailureSeen()).isInstanceOf(CancellationException.class);
        assertThat(result).isCancelled();
    }

    @Test
    void cancelledBodysOwnFailureIsAttachedToTheCancellationSeenByExit() {
        CompletableFuture<String> body = new CompletableFuture<>();
        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> body);
        IOException bodyFailure = new IOException("query failed");

        result.cancel(false);
        body.completeExceptionally(bodyFailure);

        assertThat(scope.onlyFailureSeen()).isInstanceOf(CancellationException.class)
                .hasSuppressedException(bodyFailure);
    }

    @Test
    void enterCompletingAfterCancellationSkipsTheBodyAndStillExits() {
        RecordingAsyncScope slow = new RecordingAsyncScope();
        AtomicBoolean bodyRan = new AtomicBoolean();
        CompletableFuture<String> result = Scopes.usingAsync(slow, value -> {
            bodyRan.set(true);
            return completedFuture(value);
        });

        result.cancel(true);
        slow.entering.complete("resource");

        assertThat(bodyRan).isFalse();
        assertThat(slow.onlyFailureSeen()).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancellationAfterTheBodyCompletedLeavesTheExitItsRealOutcome() {
        scope.exiting = new CompletableFuture<>();
        CompletableFuture<String> result = Scopes.usingAsync(scope, value -> completedFuture("done"));

        result.cancel(true);
        scope.exiting.complete(false);

        assertThat(scope.onlyFailureSeen()).isNull();
    }
}
