package dev.berth.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TimeoutTest {

    private static final Duration SHORT = Duration.ofMillis(50);
    private static final Duration LONG = Duration.ofMinutes(5);

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final RecordingScope scope = new RecordingScope(events);
    /** Never counted down: a body awaiting it only ends by being interrupted. */
    private final CountDownLatch never = new CountDownLatch(1);

    @Test
    void bodyFinishingInTimeReturnsItsResultAndExitsWithNoFailure() throws Exception {
        String result = Scopes.using(scope, LONG, value -> value + " in time");

        assertThat(result).isEqualTo("resource in time");
        assertThat(scope.onlyFailureSeen()).isNull();
    }

    @Test
    void bodyFailureBeforeTheTimeoutIsSeenByExitAndRethrown() {
        IOException failure = new IOException("disk full");

        assertThatThrownBy(() -> Scopes.using(scope, LONG, value -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(scope.onlyFailureSeen()).isSameAs(failure);
    }

    @Test
    void bodyBlockedPastTheTimeoutIsInterruptedAndExitSeesTheTimeout() {
        AtomicBoolean bodyInterrupted = new AtomicBoolean();

        assertThatThrownBy(() -> Scopes.using(scope, SHORT, value -> {
            try {
                never.await();
                return "unreachable";
            } catch (InterruptedException e) {
                bodyInterrupted.set(true);
                throw e;
            }
        })).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("50 ms")
                .satisfies(t -> assertThat(t.getSuppressed()).singleElement().isInstanceOf(InterruptedException.class));

        assertThat(bodyInterrupted).isTrue();
        assertThat(scope.onlyFailureSeen()).isInstanceOf(TimeoutException.class);
    }

    @Test
    void exitRunsOnlyAfterTheTimedOutBodyHasStopped() {
        CountDownLatch exitStarted = new CountDownLatch(1);
        List<String> order = events;
        Scope<String> signalling = new Scope<>() {
            @Override
            public String enter() throws Exception {
                return scope.enter();
            }

            @Override
            public boolean exit(Throwable failure) throws Exception {
                exitStarted.countDown();
                return scope.exit(failure);
            }
        };
        AtomicBoolean exitOverlappedBody = new AtomicBoolean();

        assertThatThrownBy(() -> Scopes.using(signalling, SHORT, value -> {
            try {
                never.await();
            } catch (InterruptedException timedOut) {
                // Keep running after the interrupt, as slow cleanup in a body does; a broken using would
                // start the exit now, and this wait would see it.
                exitOverlappedBody.set(exitStarted.await(200, TimeUnit.MILLISECONDS));
                order.add("body stopped");
            }
            return "ignored the interrupt";
        })).isInstanceOf(TimeoutException.class);

        assertThat(exitOverlappedBody).isFalse();
        assertThat(order).containsExactly("enter", "body stopped", "exit");
    }

    @Test
    void bodyThatReturnsAfterTheTimeoutStillTimesOut() {
        assertThatThrownBy(() -> Scopes.using(scope, SHORT, value -> {
            try {
                never.await();
            } catch (InterruptedException swallowed) {
                // returns normally, too late
            }
            return "late";
        })).isInstanceOf(TimeoutException.class);

        assertThat(scope.onlyFailureSeen()).isInstanceOf(TimeoutException.class);
    }

    @Test
    void suppressedTimeoutMakesUsingReturnNull() throws Exception {
        scope.suppressing();

        String result = Scopes.using(scope, SHORT, value -> {
            never.await();
            return "unreachable";
        });

        assertThat(result).isNull();
        assertThat(scope.onlyFailureSeen()).isInstanceOf(TimeoutException.class);
    }

    @Test
    void interruptedCallerInterruptsTheBodyAndExitSeesTheInterruptedException() throws Exception {
        CountDownLatch bodyStarted = new CountDownLatch(1);
        AtomicBoolean bodyInterrupted = new AtomicBoolean();
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                Scopes.run(scope, LONG, value -> {
                    bodyStarted.countDown();
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        bodyInterrupted.set(true);
                        throw e;
                    }
                });
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });

        bodyStarted.await();
        caller.interrupt();

        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(bodyInterrupted).isTrue();
        assertThat(scope.onlyFailureSeen()).isSameAs(thrown.get());
    }

    @Test
    void timeoutMustBePositive() {
        assertThatThrownBy(() -> Scopes.using(scope, Duration.ZERO, value -> value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive, but was PT0S");
        assertThat(scope.enters).hasValue(0);
    }

    @Test
    void failedEnterSkipsTheTimedBodyAndTheExit() {
        IOException enterFailure = new IOException("connection refused");
        scope.failingEnter(enterFailure);
        AtomicInteger bodyRuns = new AtomicInteger();

        assertThatThrownBy(() -> Scopes.using(scope, LONG, value -> bodyRuns.incrementAndGet()))
                .isSameAs(enterFailure);
        assertThat(bodyRuns).hasValue(0);
        assertThat(scope.exits).hasValue(0);
    }

    @Test
    void timedBodyRunsOnAVirtualThread() throws Exception {
        Boolean virtual = Scopes.using(scope, LONG, value -> Thread.currentThread().isVirtual());

        assertThat(virtual).isTrue();
    }
}
