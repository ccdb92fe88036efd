package dev.berth.scope;

import dev.berth.internal.Rethrow;

/** How scopes combine and rethrow failures; shared by the blocking and the asynchronous paths. */
final class Failures {

    private Failures() {}

    /**
     * Attaches {@code later} to {@code primary} as suppressed, unless they are the same object (an exit
     * that rethrows the failure it was given must not suppress the failure into itself).
     */
    static void attach(Throwable primary, Throwable later) {
        if (primary != later) {
            primary.addSuppressed(later);
        }
    }

    /**
     * Throws {@code failure} as it is: an {@link Exception} or {@link Error} keeps its type; any other
     * {@link Throwable} (only reachable through sneaky throws) is rethrown unchanged too.
     *
     * @return never returns; declared so callers can write {@code throw Failures.rethrow(f)}
     */
    static Exception rethrow(Throwable failure) throws Exception {
        if (failure instanceof Exception exception) {
            throw exception;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        throw Rethrow.<RuntimeException>asIs(failure);
    }
}
