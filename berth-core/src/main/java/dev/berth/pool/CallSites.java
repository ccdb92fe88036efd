package dev.berth.pool;

/**
 * Finds the first stack frame that belongs to the application: not berth's library code, not a database or
 * Redis driver, not the JDK. Stacks are recorded as a {@link Throwable} when a lease is taken (the JVM fills
 * in a compact backtrace; nothing is decoded) and searched only when a report needs the site: about four times
 * cheaper per acquire than a {@link StackWalker} walk, which decodes frames while it walks.
 */
final class CallSites {
    private static final String[] INFRASTRUCTURE = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.postgresql.", "redis.clients.", "com.zaxxer.",
        "io.lettuce.", "io.helidon.", "org.eclipse.jetty.", "jakarta.", "org.junit.", "org.apache.maven.",
        "dev.berth.pool.", "dev.berth.scope.", "dev.berth.jdbc.", "dev.berth.redis.", "dev.berth.files.",
        "dev.berth.web.", "dev.berth.micrometer.",
    };

    private CallSites() {
    }

    /** Records the current stack, to be searched later by {@link #firstApplicationFrame}. */
    static Throwable record() {
        return new Throwable("lease taken here");
    }

    /** The first application frame of a stack, or {@code null} when every frame is infrastructure. */
    static StackTraceElement firstApplicationFrame(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            if (!isInfrastructure(frame.getClassName())) {
                return frame;
            }
        }
        return null;
    }

    static boolean isInfrastructure(String className) {
        int nested = className.indexOf('$');
        String outer = nested < 0 ? className : className.substring(0, nested);
        if (outer.endsWith("Test") && outer.startsWith("dev.berth.")) {
            return false; // berth's own tests are the application when they call the pool
        }
        for (String prefix : INFRASTRUCTURE) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
