package dev.berth.scope;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An async scope for tests whose enter and exit stages the test completes (or pre-completes). */
final class RecordingAsyncScope implements AsyncScope<String> {

    final CompletableFuture<String> entering = new CompletableFuture<>();
    CompletableFuture<Boolean> exiting = CompletableFuture.completedFuture(false);
    final AtomicInteger exits = new AtomicInteger();
    final List<Throwable> failuresSeen = new CopyOnWriteArrayList<>();

    /** Enters at once with "resource". */
    static RecordingAsyncScope entered() {
        RecordingAsyncScope scope = new RecordingAsyncScope();
        scope.entering.complete("resource");
        return scope;
    }

    @Override
    public CompletionStage<String> enter() {
        return entering;
    }

    @Override
    public CompletionStage<Boolean> exit(Throwable failure) {
        exits.incrementAndGet();
        failuresSeen.add(failure == null ? new NullPointerException("stands for no failure") : failure);
        return exiting;
    }

    Throwable onlyFailureSeen() {
        if (failuresSeen.size() != 1) {
            throw new AssertionError("expected exactly one exit, saw " + failuresSeen.size());
        }
        Throwable seen = failuresSeen.getFirst();
        return "stands for no failure".equals(seen.getMessage()) ? null : seen;
    }
}
