package dev.berth.scope;

/**
 * A scope: something entered before a body runs and exited after it, whatever happened inside.
 * This is berth's {@code async with}: {@link #enter()} takes a resource (a connection, a transaction,
 * a temporary file), {@link #exit(Throwable)} gives it back and sees how the body ended.
 *
 * <p>Run a body in a scope with {@link Scopes#using(Scope, ScopeBody)}, which guarantees that
 * {@code exit} runs exactly once after a successful {@code enter}, also when the body throws, is
 * interrupted or times out:
 *
 * {@snippet :
 * String answer = Scopes.using(new Stopwatch("lookup", timing -> log(timing)), watch -> lookup(key));
 * }
 *
 * <p>Implementations decide their own thread-safety; a scope instance is entered and exited by one
 * caller at a time unless it says otherwise.
 *
 * @param <T> what the body receives from {@code enter}
 */
public interface Scope<T> {

    /**
     * Enters the scope and returns what the body works with. When this throws, the scope was not
     * entered and {@link #exit(Throwable)} is not called.
     *
     * @return the value handed to the body
     * @throws Exception when the scope cannot be entered
     */
    T enter() throws Exception;

    /**
     * Exits the scope. Called exactly once after a successful {@link #enter()}.
     *
     * @param failure what the body threw, or {@code null} when it completed normally
     * @return {@code true} to suppress {@code failure} (the caller then continues as if the body had
     *     completed, with no result); ignored when {@code failure} is {@code null}
     * @throws Exception when exiting fails; when the body failed too, the body's failure stays primary
     *     and this one is attached to it with {@link Throwable#addSuppressed(Throwable)}
     */
    boolean exit(Throwable failure) throws Exception;
}
