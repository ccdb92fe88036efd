package dev.berth.internal;

/**
 * Rethrows a caught {@link Throwable} as it is, without wrapping. For code that runs a caller's work, must catch
 * everything it throws (to clean up or retry), and then let the failure go on: the compiler only knows it as
 * {@code Throwable}, but the work could only throw what its own signature allows, which is what the caller
 * declares, so the promise holds.
 */
public final class Rethrow {
    private Rethrow() {
    }

    /**
     * Throws {@code failure}; declared to return so callers can write {@code throw Rethrow.asIs(failure)}.
     *
     * @return never returns
     */
    @SuppressWarnings("unchecked")
    public static <T extends Throwable> T asIs(Throwable failure) throws T {
        throw (T) failure;
    }
}
