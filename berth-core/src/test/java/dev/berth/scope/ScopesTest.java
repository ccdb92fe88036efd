package dev.berth.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScopesTest {

    private final RecordingScope scope = new RecordingScope();

    @AfterEach
    void clearInterruptFlagForTheNextTest() {
        Thread.interrupted();
    }

    @Test
    void returnsTheBodysResultAndExitsOnceWithNoFailure() throws Exception {
        String result = Scopes.using(scope, value -> value + " used");

        assertThat(result).isEqualTo("resource used");
        assertThat(scope.exits).hasValue(1);
        assertThat(scope.onlyFailureSeen()).isNull();
    }

    @Test
    void exitSeesTheBodysExceptionWhichIsRethrown() {
        IOException failure = new IOException("disk full");

        assertThatThrownBy(() -> Scopes.using(scope, value -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(scope.onlyFailureSeen()).isSameAs(failure);
    }

    @Test
    void exitSeesAnErrorWhichIsRethrownAsItIs() {
        StackOverflowError error = new StackOverflowError("too deep");

        assertThatThrownBy(() -> Scopes.using(scope, value -> {
            throw error;
        })).isSameAs(error);
        assertThat(scope.onlyFailureSeen()).isSameAs(error);
    }

    @Test
    void suppressingExitMakesUsingReturnNull() throws Exception {
        scope.suppressing();

        String result = Scopes.using(scope, value -> {
            throw new IllegalStateException("handled by the scope");
        });

        assertThat(result).isNull();
        assertThat(scope.onlyFailureSeen()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void suppressingExitDoesNotReplaceTheResultOfASuccessfulBody() throws Exception {
        scope.suppressing();

        String result = Scopes.using(scope, value -> "kept");

        assertThat(result).isEqualTo("kept");
    }

    @Test
    void bodyFailureStaysPrimaryAndExitFailureIsAttachedAsSuppressed() {
        IOException bodyFailure = new IOException("query failed");
        IllegalStateException exitFailure = new IllegalStateException("rollback failed");
        scope.failingExit(exitFailure);

        assertThatThrownBy(() -> Scopes.using(scope, value -> {
            throw bodyFailure;
        })).isSameAs(bodyFailure).hasSuppressedException(exitFailure);
        assertThat(scope.exits).hasValue(1);
    }

    @Test
    void exitFailureIsThrownWhenTheBodySucceeded() {
        IOException exitFailure = new IOException("commit failed");
        scope.failingExit(exitFailure);

        assertThatThrownBy(() -> Scopes.using(scope, value -> "done")).isSameAs(exitFailure);
        assertThat(scope.exits).hasValue(1);
    }

    @Test
    void exitRethrowingTheBodysFailureDoesNotAttachItToItself() {
        IOException failure = new IOException("broken pipe");
        scope.failingExit(failure);

        assertThatThrownBy(() -> Scopes.using(scope, value -> {
            throw failure;
        })).isSameAs(failure).satisfies(thrown -> assertThat(thrown.getSuppressed()).isEmpty());
    }

    @Test
    void failedEnterSkipsTheBodyAndTheExit() {
        IOException enterFailure = new IOException("connection refused");
        scope.failingEnter(enterFailure);
        AtomicBoolean bodyRan = new AtomicBoolean();

        assertThatThrownBy(() -> Scopes.using(scope, value -> bodyRan.getAndSet(true))).isSameAs(enterFailure);
        assertThat(bodyRan).isFalse();
        assertThat(scope.exits).hasValue(0);
    }

    @Test
    void interruptedBodyStillExitsOnceAndExitSeesTheInterruptedException() {
        assertThatThrownBy(() -> Scopes.using(scope, value -> {
            Thread.currentThread().interrupt();
            new CountDownLatch(1).await(); // throws at once: the flag is already set
            return "unreachable";
        })).isInstanceOf(InterruptedException.class);

        assertThat(scope.onlyFailureSeen()).isInstanceOf(InterruptedException.class);
        assertThat(Thread.currentThread().isInterrupted())
                .as("the thrown InterruptedException reports the interrupt, so the flag stays clear")
                .isFalse();
    }

    @Test
    void interruptFlagLeftByTheBodySurvivesAnExitThatClearsIt() throws Exception {
        scope.clearingInterruptOnExit();

        Scopes.using(scope, value -> {
            Thread.currentThread().interrupt();
            return value;
        });

        assertThat(scope.interruptedDuringExit).containsExactly(true);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void suppressedInterruptedExceptionInterruptsTheThreadAgain() throws Exception {
        scope.suppressing();

        String result = Scopes.using(scope, value -> {
            throw new InterruptedException("woken up");
        });

        assertThat(result).isNull();
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void uncheckedExceptionFromExitIsThrownAfterASuccessfulBody() {
        UncheckedIOException exitFailure = new UncheckedIOException(new IOException("socket closed"));
        scope.failingExit(exitFailure);

        assertThatThrownBy(() -> Scopes.using(scope, value -> "done")).isSameAs(exitFailure);
    }

    @Test
    void runExecutesAVoidActionInsideTheScope() throws Exception {
        AtomicReference<String> received = new AtomicReference<>();

        Scopes.run(scope, received::set);

        assertThat(received).hasValue("resource");
        assertThat(scope.enters).hasValue(1);
        assertThat(scope.exits).hasValue(1);
    }

    @Test
    void closingScopeClosesTheCloseableOnExitAndKeepsTheFailure() {
        AtomicBoolean closed = new AtomicBoolean();
        AutoCloseable closeable = () -> closed.set(true);
        IOException failure = new IOException("read failed");

        assertThatThrownBy(() -> Scopes.run(Scopes.closing(closeable), c -> {
            assertThat(c).isSameAs(closeable);
            throw failure;
        })).isSameAs(failure);
        assertThat(closed).isTrue();
    }
}
