package dev.berth.pool;

import java.security.CodeSource;
import java.util.Set;

/**
 * Finds the first stack frame that belongs to the application: not berth's library code, not a database or
 * Redis driver, not the JDK. One {@link StackWalker} walk that stops at that frame (about a microsecond);
 * whether a class is "infrastructure" is decided once per class and cached.
 */
final class CallSites {
    private static final StackWalker WALKER =
            StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE));

    private static final String[] INFRASTRUCTURE = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.postgresql.", "redis.clients.", "com.zaxxer.",
        "io.lettuce.", "org.junit.", "org.apache.maven.",
    };

    private static final ClassValue<Boolean> SKIP = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            String name = type.getName();
            for (String prefix : INFRASTRUCTURE) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return name.startsWith("dev.berth.") && !isTestCode(type);
        }
    };

    private CallSites() {
    }

    /** The application frame that called into berth, or {@code null} when there is none. */
    static StackTraceElement capture() {
        return WALKER.walk(frames -> frames
                .filter(frame -> !SKIP.get(frame.getDeclaringClass()))
                .findFirst()
                .map(StackWalker.StackFrame::toStackTraceElement)
                .orElse(null));
    }

    /** The first application frame of a full stack (a holder thread's current stack, a captured one). */
    static StackTraceElement firstApplicationFrame(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            String name = frame.getClassName();
            boolean skip = name.startsWith("dev.berth.") && !name.endsWith("Test");
            for (String prefix : INFRASTRUCTURE) {
                skip |= name.startsWith(prefix);
            }
            if (!skip) {
                return frame;
            }
        }
        return null;
    }

    /** berth's own tests call the pool from dev.berth packages; they are the application there. */
    private static boolean isTestCode(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source != null && source.getLocation() != null
                && source.getLocation().getPath().contains("test-classes");
    }
}
