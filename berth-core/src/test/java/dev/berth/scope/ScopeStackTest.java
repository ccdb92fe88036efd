package dev.berth.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScopeStackTest {

    private final List<String> events = new ArrayList<>();
    private final ScopeStack stack = new ScopeStack();

    @Test
    void exitsRunInReverseOrderOfRegistration() throws Exception {
        stack.enter(new RecordingScope(events));
        stack.push(() -> events.add("close"));
        stack.callback(() -> events.add("callback"));

        stack.close();

        assertThat(events).containsExactly("enter", "callback", "close", "exit");
    }

    @Test
    void enterReturnsWhatTheScopeProvidesAndPushReturnsTheCloseable() throws Exception {
        AutoCloseable closeable = () -> {};

        assertThat(stack.enter(new RecordingScope())).isEqualTo("resource");
        assertThat(stack.push(closeable)).isSameAs(closeable);
    }

    @Test
    void failedEnterRegistersNothingAndKeepsEarlierExits() throws Exception {
        RecordingScope first = new RecordingScope();
        RecordingScope refusing = new RecordingScope().failingEnter(new IOException("connection refused"));
        stack.enter(first);

        assertThatThrownBy(() -> stack.enter(refusing)).hasMessage("connection refused");
        stack.close();

        assertThat(first.exits).hasValue(1);
        assertThat(refusing.exits).hasValue(0);
    }

    @Test
    void everyExitRunsEvenWhenOneThrows() throws Exception {
        RecordingScope first = new RecordingScope();
        RecordingScope last = new RecordingScope();
        stack.enter(first);
        stack.callback(() -> {
            throw new IOException("cleanup failed");
        });
        stack.enter(last);

        assertThatThrownBy(stack::close).hasMessage("cleanup failed");
        assertThat(first.exits).hasValue(1);
        assertThat(last.exits).hasValue(1);
    }

    @Test
    void exitFailureWithNoCurrentFailureBecomesTheFailureSeenByLaterExits() throws Exception {
        RecordingScope first = new RecordingScope();
        IOException cleanupFailure = new IOException("cleanup failed");
        stack.enter(first);
        stack.callback(() -> {
            throw cleanupFailure;
        });

        assertThatThrownBy(() -> stack.exit(null)).isSameAs(cleanupFailure);
        assertThat(first.onlyFailureSeen()).isSameAs(cleanupFailure);
    }

    @Test
    void exitFailureIsAttachedAsSuppressedToTheCurrentFailure() throws Exception {
        RecordingScope first = new RecordingScope();
        IOException bodyFailure = new IOException("query failed");
        IllegalStateException cleanupFailure = new IllegalStateException("cleanup failed");
        stack.enter(first);
        stack.callback(() -> {
            throw cleanupFailure;
        });

        boolean suppressed = stack.exit(bodyFailure);

        assertThat(suppressed).isFalse();
        assertThat(bodyFailure).hasSuppressedException(cleanupFailure);
        assertThat(first.onlyFailureSeen()).isSameAs(bodyFailure);
    }

    @Test
    void suppressingExitClearsTheFailureForLaterExits() throws Exception {
        RecordingScope first = new RecordingScope();
        RecordingScope suppressing = new RecordingScope().suppressing();
        RecordingScope last = new RecordingScope();
        IOException bodyFailure = new IOException("query failed");
        stack.enter(first);
        stack.enter(suppressing);
        stack.enter(last);

        boolean suppressed = stack.exit(bodyFailure);

        assertThat(suppressed).isTrue();
        assertThat(last.onlyFailureSeen()).isSameAs(bodyFailure);
        assertThat(suppressing.onlyFailureSeen()).isSameAs(bodyFailure);
        assertThat(first.onlyFailureSeen()).isNull();
    }

    @Test
    void failureAfterASuppressionIsThrownByExit() throws Exception {
        IllegalStateException lateFailure = new IllegalStateException("cleanup failed");
        stack.callback(() -> {
            throw lateFailure;
        });
        stack.enter(new RecordingScope().suppressing());

        assertThatThrownBy(() -> stack.exit(new IOException("query failed"))).isSameAs(lateFailure);
    }

    @Test
    void closeThrowsTheFirstFailureWithTheLaterOnesAttached() throws Exception {
        IOException firstToFail = new IOException("flush failed");
        IllegalStateException secondToFail = new IllegalStateException("delete failed");
        stack.callback(() -> {
            throw secondToFail;
        });
        stack.callback(() -> {
            throw firstToFail;
        });

        assertThatThrownBy(stack::close).isSameAs(firstToFail).hasSuppressedException(secondToFail);
    }

    @Test
    void closeRethrowsAnErrorAsItIs() {
        OutOfMemoryError error = new OutOfMemoryError("no room");
        stack.callback(() -> {
            throw error;
        });

        assertThatThrownBy(stack::close).isSameAs(error);
    }

    @Test
    void popAllMovesEveryExitToANewStackAndLeavesThisOneEmpty() throws Exception {
        stack.callback(() -> events.add("first"));
        stack.callback(() -> events.add("second"));

        ScopeStack taken = stack.popAll();
        stack.close();

        assertThat(events).as("the emptied stack no longer owns the exits").isEmpty();
        taken.close();
        assertThat(events).containsExactly("second", "first");
    }

    @Test
    void unwoundStackIsEmptyAndCanBeReused() throws Exception {
        stack.callback(() -> events.add("first use"));
        stack.close();
        stack.close();
        stack.callback(() -> events.add("second use"));
        stack.close();

        assertThat(events).containsExactly("first use", "second use");
    }

    @Test
    void stackUsedAsAScopeGivesTheBodysFailureToEveryExit() {
        RecordingScope outer = new RecordingScope();
        RecordingScope inner = new RecordingScope();
        IOException bodyFailure = new IOException("query failed");

        assertThatThrownBy(() -> Scopes.using(new ScopeStack(), s -> {
            s.enter(outer);
            s.enter(inner);
            throw bodyFailure;
        })).isSameAs(bodyFailure);
        assertThat(inner.onlyFailureSeen()).isSameAs(bodyFailure);
        assertThat(outer.onlyFailureSeen()).isSameAs(bodyFailure);
    }

    @Test
    void stackUsedAsAScopeReportsASuppressionToUsing() throws Exception {
        String result = Scopes.using(new ScopeStack(), s -> {
            s.enter(new RecordingScope().suppressing());
            throw new IOException("handled");
        });

        assertThat(result).isNull();
    }

    @Test
    void exitRegisteredWhileUnwindingAlsoRuns() throws Exception {
        stack.callback(() -> stack.callback(() -> events.add("registered late")));

        stack.close();

        assertThat(events).containsExactly("registered late");
    }
}
