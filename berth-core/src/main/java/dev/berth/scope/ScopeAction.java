package dev.berth.scope;

/**
 * A body that returns nothing, for {@link Scopes#run(Scope, ScopeAction)}: receives what
 * {@link Scope#enter()} returned.
 *
 * {@snippet :
 * Scopes.run(Stopwatch.logging("nightly cleanup"), watch -> cleanup());
 * }
 *
 * @param <T> what the scope provides
 */
@FunctionalInterface
public interface ScopeAction<T> {

    /**
     * Runs the action.
     *
     * @param value what the scope's {@code enter} returned
     * @throws Exception any failure; the scope's {@code exit} sees it
     */
    void accept(T value) throws Exception;
}
