package dev.berth.scope;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A scope for tests: counts enters and exits, records what each exit saw, and can be told to misbehave. */
final class RecordingScope implements Scope<String> {

    final AtomicInteger enters = new AtomicInteger();
    final AtomicInteger exits = new AtomicInteger();
    final List<Throwable> failuresSeen = new CopyOnWriteArrayList<>();
    final List<Boolean> interruptedDuringExit = new CopyOnWriteArrayList<>();
    private final List<String> events;
    private Exception enterFailure;
    private Throwable exitFailure;
    private boolean suppress;
    private boolean clearInterruptOnExit;

    RecordingScope() {
        this(new CopyOnWriteArrayList<>());
    }

    /** Records "enter" and "exit" into a shared event list, to check order against other events. */
    RecordingScope(List<String> events) {
        this.events = events;
    }

    RecordingScope failingEnter(Exception failure) {
        this.enterFailure = failure;
        return this;
    }

    RecordingScope failingExit(Throwable failure) {
        this.exitFailure = failure;
        return this;
    }

    RecordingScope suppressing() {
        this.suppress = true;
        return this;
    }

    /** An exit that swallows the interrupt status, as careless cleanup code does. */
    RecordingScope clearingInterruptOnExit() {
        this.clearInterruptOnExit = true;
        return this;
    }

    @Override
    public String enter() throws Exception {
        if (enterFailure != null) {
            throw enterFailure;
        }
        enters.incrementAndGet();
        events.add("enter");
        return "resource";
    }

    @Override
    public boolean exit(Throwable failure) throws Exception {
        exits.incrementAndGet();
        events.add("exit");
        failuresSeen.add(failure == null ? new NoFailure() : failure);
        interruptedDuringExit.add(clearInterruptOnExit ? Thread.interrupted() : Thread.currentThread().isInterrupted());
        if (exitFailure instanceof Exception e) {
            throw e;
        }
        if (exitFailure instanceof Error e) {
            throw e;
        }
        return suppress;
    }

    /** What the single exit saw, {@code null} for no failure. */
    Throwable onlyFailureSeen() {
        if (failuresSeen.size() != 1) {
            throw new AssertionError("expected exactly one exit, saw " + failuresSeen.size());
        }
        Throwable seen = failuresSeen.getFirst();
        return seen instanceof NoFailure ? null : seen;
    }

    /** Stands for "exit saw null" in the list (which holds no nulls). */
    private static final class NoFailure extends Throwable {
        NoFailure() {
            super("no failure", null, false, false);
        }
    }
}
