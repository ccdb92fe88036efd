package dev.berth.scope;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * Many exits unwound as one, like Python's {@code contextlib.ExitStack}: scopes entered, closeables and
 * callbacks registered on the stack are exited in reverse order (last registered, first exited) when the
 * stack is exited or closed. Use it when the number of resources is only known at run time, or when
 * several resources must be opened together and handed over as one.
 *
 * {@snippet :
 * // Opens every file or none: when one fails to open, the ones already open are closed.
 * List<InputStream> streams = Scopes.using(new ScopeStack(), stack -> {
 *     List<InputStream> opened = new ArrayList<>();
 *     for (Path path : paths) {
 *         opened.add(stack.push(Files.newInputStream(path)));
 *     }
 *     return process(opened);
 * });
 * }
 *
 * <p>Handing ownership over with {@link #popAll()}: on success the exits move to the object built, on
 * failure the stack unwinds what was already entered.
 *
 * {@snippet :
 * try (ScopeStack stack = new ScopeStack()) {
 *     Connection primary = stack.enter(primaryPool.scope());
 *     Connection replica = stack.enter(replicaPool.scope());
 *     return new Session(primary, replica, stack.popAll()); // Session.close() calls its stack's close()
 * }
 * }
 *
 * <p><b>Unwinding.</b> Every registered exit runs, even when one throws. Each exit sees the current
 * failure: at first the one given to {@link #exit(Throwable)} ({@code null} for {@link #close()}). An exit
 * returning {@code true} suppresses the current failure, so the exits after it see {@code null}. An exit
 * that throws while there is no current failure makes its exception the current failure; one that throws
 * while there is a current failure has its exception attached to it as suppressed.
 *
 * <p><b>After unwinding</b> the stack is empty and may be used again: new registrations are unwound by the
 * next {@code exit} or {@code close}, and closing an empty stack does nothing (so {@code close()} is
 * idempotent).
 *
 * <p><b>Concurrency.</b> Not thread-safe: a stack has one owner at a time. Hand it to another thread
 * only through a safe publication (a queue, a future, {@link #popAll()} before the hand-over).
 */
public final class ScopeStack implements Scope<ScopeStack>, AutoCloseable {

    /** A cleanup action registered with {@link #callback(Callback)}. */
    @FunctionalInterface
    public interface Callback {

        /**
         * Runs the cleanup.
         *
         * @throws Exception when the cleanup fails; the stack keeps unwinding and reports it
         */
        void run() throws Exception;
    }

    /** One registered exit: a scope's exit, a close or a callback. */
    @FunctionalInterface
    private interface Exit {
        boolean exit(Throwable failure) throws Exception;
    }

    private ArrayDeque<Exit> exits = new ArrayDeque<>();

    /** Creates an empty stack. */
    public ScopeStack() {}

    /**
     * Returns this stack: entering a stack as a scope registers nothing; {@link #exit(Throwable)} unwinds
     * what the body registered.
     *
     * @return this stack
     */
    @Override
    public ScopeStack enter() {
        return this;
    }

    /**
     * Enters {@code scope} and registers its exit. When {@code enter} throws, nothing is registered and the
     * exception propagates; exits registered before stay on the stack.
     *
     * {@snippet :
     * Connection connection = stack.enter(pool.scope());
     * }
     *
     * @param scope the scope to enter
     * @param <T> what the scope provides
     * @return what the scope's {@code enter} returned
     * @throws Exception when {@code enter} fails
     */
    public <T> T enter(Scope<T> scope) throws Exception {
        Objects.requireNonNull(scope, "scope");
        T value = scope.enter();
        exits.push(scope::exit);
        return value;
    }

    /**
     * Registers {@code closeable} to be closed when the stack unwinds. Its {@code close} never suppresses
     * a failure.
     *
     * {@snippet :
     * InputStream in = stack.push(Files.newInputStream(path));
     * }
     *
     * @param closeable what to close
     * @param <C> the closeable's type
     * @return {@code closeable}, for use in an expression
     */
    public <C extends AutoCloseable> C push(C closeable) {
        Objects.requireNonNull(closeable, "closeable");
        exits.push(failure -> {
            closeable.close();
            return false;
        });
        return closeable;
    }

    /**
     * Registers a cleanup action to run when the stack unwinds. It never suppresses a failure.
     *
     * {@snippet :
     * Path temp = Files.createTempFile("upload", ".bin");
     * stack.callback(() -> Files.deleteIfExists(temp));
     * }
     *
     * @param callback the cleanup to run
     */
    public void callback(Callback callback) {
        Objects.requireNonNull(callback, "callback");
        exits.push(failure -> {
            callback.run();
            return false;
        });
    }

    /**
     * Moves every registered exit to a new stack and leaves this one empty: the new stack now owns them,
     * and unwinding this one no longer touches them.
     *
     * @return a new stack holding the exits, in the same order
     */
    public ScopeStack popAll() {
        ScopeStack taken = new ScopeStack();
        taken.exits = exits;
        exits = new ArrayDeque<>();
        return taken;
    }

    /**
     * Unwinds the stack (see the class comment) with {@code failure} as the first current failure.
     *
     * <p>When an exit suppressed {@code failure} and a later exit threw, this method throws that later
     * exception; {@link Scopes#using(Scope, ScopeBody)} then keeps the body's failure primary and attaches
     * it, as for any scope whose exit throws after a failed body.
     *
     * @param failure what the body failed with, or {@code null}
     * @return {@code true} when {@code failure} was suppressed by one of the exits and no exit failed after
     *     that; {@code false} when it stands (with the exits' failures attached as suppressed)
     * @throws Exception when {@code failure} was {@code null} or suppressed and an exit then failed: the
     *     first such failure, with the later ones attached
     */
    @Override
    public boolean exit(Throwable failure) throws Exception {
        Throwable current = unwind(failure);
        if (current == null) {
            return failure != null;
        }
        if (current == failure) {
            return false;
        }
        throw Failures.rethrow(current);
    }

    /**
     * Unwinds the stack with no failure.
     *
     * @throws Exception the first failure of an exit, with the failures of the later exits attached as
     *     suppressed (unless an exit suppressed it)
     */
    @Override
    public void close() throws Exception {
        Throwable current = unwind(null);
        if (current != null) {
            throw Failures.rethrow(current);
        }
    }

    private Throwable unwind(Throwable failure) {
        Throwable current = failure;
        // Pops until empty, so an exit that registers another exit while unwinding gets it run too.
        while (!exits.isEmpty()) {
            Exit exit = exits.pop();
            try {
                if (exit.exit(current)) {
                    current = null;
                }
            } catch (Throwable exitFailure) {
                if (current == null) {
                    current = exitFailure;
                } else {
                    Failures.attach(current, exitFailure);
                }
            }
        }
        return current;
    }

    @Override
    public String toString() {
        return "ScopeStack[" + exits.size() + " exits]";
    }
}
