package dev.berth.jdbc.tx;

import dev.berth.internal.CallSites;

/**
 * Where the application called {@link Database}: the first stack frame that is not library code, by the one rule
 * every berth module uses ({@link CallSites}): application code in a {@code dev.berth} package (tests, the demo)
 * is still the caller. Walks lazily with the frames' classes at hand and stops at the first outside frame; each
 * class is judged once.
 */
final class CallSite {

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private CallSite() {
    }

    /** @return {@code Class.method(File.java:42)} of the first frame outside berth, or "unknown" */
    static String capture() {
        return WALKER.walk(frames -> frames
                .filter(frame -> !CallSites.isLibrary(frame.getDeclaringClass()))
                .findFirst()
                .map(frame -> frame.getClassName() + '.' + frame.getMethodName() + '(' + frame.getFileName() + ':'
                        + frame.getLineNumber() + ')')
                .orElse("unknown"));
    }
}
