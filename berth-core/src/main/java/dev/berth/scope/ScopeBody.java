package dev.berth.scope;

/**
 * The code run inside a {@link Scope}: receives what {@link Scope#enter()} returned.
 *
 * @param <T> what the scope provides
 * @param <R> what the body returns
 */
@FunctionalInterface
public interface ScopeBody<T, R> {

    /**
     * Runs the body.
     *
     * @param value what the scope's {@code enter} returned
     * @return the body's result
     * @throws Exception any failure; the scope's {@code exit} sees it
     */
    R apply(T value) throws Exception;
}
