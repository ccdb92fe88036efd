package dev.berth.jdbc.tx;

/**
 * Rethrows a caught {@link Throwable} unchanged. The runner catches everything a unit of work throws, which
 * the compiler only knows as {@code Throwable}; the work itself can only have thrown what its signature
 * allows ({@code SQLException}, its {@code X}, unchecked exceptions, errors), which is what the runner's
 * callers declare, so rethrowing it as is keeps the promise without wrapping.
 */
final class Sneaky {

    private Sneaky() {
    }

    @SuppressWarnings("unchecked")
    static <T extends Throwable> T rethrow(Throwable failure) throws T {
        throw (T) failure;
    }
}
