package dev.berth.jdbc.tx;

import dev.berth.scope.Scope;
import java.security.CodeSource;
import java.util.Objects;

/**
 * Finds where the application called berth: the first stack frame whose class is not part of berth's own
 * libraries. A class counts as berth's when its package starts with {@code dev.berth.} and it was loaded from
 * the same place (jar or classes directory) as berth-jdbc or berth-core; so application code that happens to
 * live in a {@code dev.berth} package (tests, the demo) is still reported as the caller.
 *
 * <p>Cheap: walks lazily and stops at the first outside frame; the class check is cached per class.
 */
final class CallSite {

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final String JDBC_LOCATION = location(CallSite.class);
    private static final String CORE_LOCATION = location(Scope.class);
    private static final ClassValue<Boolean> BERTH = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            if (!type.getPackageName().startsWith("dev.berth.")) {
                return false;
            }
            String where = location(type);
            return where != null && (where.equals(JDBC_LOCATION) || where.equals(CORE_LOCATION));
        }
    };

    private CallSite() {
    }

    /** @return {@code Class.method(File.java:42)} of the first frame outside berth, or "unknown" */
    static String capture() {
        return WALKER.walk(frames -> frames
                .filter(frame -> !BERTH.get(frame.getDeclaringClass()))
                .findFirst()
                .map(frame -> frame.getClassName() + '.' + frame.getMethodName() + '(' + frame.getFileName() + ':'
                        + frame.getLineNumber() + ')')
                .orElse("unknown"));
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? null : Objects.toString(source.getLocation());
    }
}
