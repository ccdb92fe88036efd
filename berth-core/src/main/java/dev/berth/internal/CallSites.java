package dev.berth.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the application called berth: the first stack frame that is not library code. One rule for every berth
 * module, and it names none of them: a class is library code when
 * <ul>
 *   <li>it belongs to the JDK ({@code java.}, {@code javax.}, {@code jdk.}, {@code sun.}, {@code com.sun.}, or
 *       loaded without a code source by the boot or platform loader);</li>
 *   <li>it was loaded from a jar or classes directory that ships {@value #MARKER}: every berth library does, so
 *       tests and applications are the caller even in a {@code dev.berth} package (the demo, berth's own tests);</li>
 *   <li>or its name starts with a prefix one of those files lists: the drivers and servers a module wraps
 *       ({@code org.postgresql.} for berth-jdbc, {@code redis.clients.} for berth-redis, ...).</li>
 * </ul>
 * The marker file holds one package prefix per line (ending in a dot); {@code #} starts a comment.
 *
 * <p>Cheap where it must be: a stack is recorded as a {@link Throwable} (the JVM fills in a compact backtrace and
 * decodes nothing, about four times cheaper than a {@link StackWalker} walk) and searched only when a report
 * needs it; each class is judged once.
 */
public final class CallSites {
    /** The resource every berth library ships; see the class comment. */
    public static final String MARKER = "META-INF/berth/call-sites";
    private static final String[] JDK = {"java.", "javax.", "jdk.", "sun.", "com.sun."};
    /** Judgements by class name, for stacks recorded as text; bounded so generated names cannot grow it forever. */
    private static final ConcurrentHashMap<String, Boolean> BY_NAME = new ConcurrentHashMap<>();
    private static final int MAX_NAMES = 10_000;
    private static final ClassValue<Boolean> BY_CLASS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return judge(type);
        }
    };

    private CallSites() {
    }

    /** Records the current stack, to be searched later by {@link #firstApplicationFrame}. */
    public static Throwable record() {
        return new Throwable("lease taken here");
    }

    /** The first application frame of a stack, or {@code null} when every frame is library code. */
    public static StackTraceElement firstApplicationFrame(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            if (!isLibrary(frame.getClassName())) {
                return frame;
            }
        }
        return null;
    }

    /** Whether frames of this class are library code (see the class comment). */
    public static boolean isLibrary(Class<?> type) {
        return BY_CLASS.get(type);
    }

    /**
     * Whether frames of the class with this name are library code. The class is looked up (never initialised)
     * through berth's class loader, then the current thread's; a class neither can find is the application's
     * unless a prefix says otherwise.
     */
    public static boolean isLibrary(String className) {
        if (matchesPrefix(className)) {
            return true;
        }
        Boolean known = BY_NAME.get(className);
        if (known != null) {
            return known;
        }
        Class<?> type = find(topLevel(className));
        boolean library = type != null && isLibrary(type);
        if (BY_NAME.size() < MAX_NAMES) {
            BY_NAME.put(className, library);
        }
        return library;
    }

    private static boolean judge(Class<?> type) {
        if (matchesPrefix(type.getName())) {
            return true;
        }
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            ClassLoader loader = type.getClassLoader();
            return loader == null || loader == ClassLoader.getPlatformClassLoader();
        }
        return Libraries.LOCATIONS.contains(location(source.getLocation().toExternalForm()));
    }

    private static boolean matchesPrefix(String className) {
        for (String prefix : JDK) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        for (String prefix : Libraries.PREFIXES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Nested, local and lambda classes share their top-level class's code source. */
    private static String topLevel(String className) {
        int nested = className.indexOf('$');
        return nested < 0 ? className : className.substring(0, nested);
    }

    private static Class<?> find(String name) {
        for (ClassLoader loader : new ClassLoader[] {CallSites.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return null;
    }

    /**
     * A code source location and the URL of a resource in it, reduced to the same text: {@code file:/a.jar},
     * {@code jar:file:/a.jar!/} and {@code file:/classes/} all become the jar's or directory's path.
     */
    static String location(String url) {
        String s = url.startsWith("jar:") ? url.substring(4) : url;
        if (s.endsWith("!/")) {
            s = s.substring(0, s.length() - 2);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** The berth libraries on the class path and the prefixes they declare, read once. */
    private static final class Libraries {
        static final Set<String> LOCATIONS = new HashSet<>();
        static final String[] PREFIXES;

        static {
            Set<String> prefixes = new LinkedHashSet<>();
            Set<URL> markers = new LinkedHashSet<>();
            for (ClassLoader loader : new ClassLoader[] {CallSites.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
                if (loader == null) {
                    continue;
                }
                try {
                    Enumeration<URL> found = loader.getResources(MARKER);
                    while (found.hasMoreElements()) {
                        markers.add(found.nextElement());
                    }
                } catch (IOException e) {
                    // no markers from this loader: its classes count as the application's
                }
            }
            for (URL marker : markers) {
                String url = marker.toExternalForm();
                LOCATIONS.add(location(url.substring(0, url.length() - MARKER.length())));
                prefixes.addAll(read(marker));
            }
            PREFIXES = prefixes.toArray(String[]::new);
        }

        private static List<String> read(URL marker) {
            List<String> prefixes = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(marker.openStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    int comment = line.indexOf('#');
                    String prefix = (comment < 0 ? line : line.substring(0, comment)).strip();
                    if (!prefix.isEmpty()) {
                        prefixes.add(prefix);
                    }
                }
            } catch (IOException e) {
                // unreadable: the library still counts by its location
            }
            return prefixes;
        }
    }
}
