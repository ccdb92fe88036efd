package dev.berth.jdbc;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolver.LookupPolicy;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The test JVM's DNS for names under {@value #DOMAIN}: a test points a name at addresses, moves it, and counts how
 * often the JVM asked. Every other name goes to the JDK's built-in resolver, untouched, so the other tests in the
 * same JVM see no difference.
 *
 * {@snippet :
 * TestDns.point("db.berth.test", "127.0.0.2");
 * // jdbc:postgresql://db.berth.test:5432/app connects to 127.0.0.2
 * TestDns.point("db.berth.test", "127.0.0.3");   // the DNS change
 * }
 *
 * <p>It is installed through the JDK's resolver SPI (JEP 418): {@link Provider} is listed in this module's test
 * resources under {@code META-INF/services/java.net.spi.InetAddressResolverProvider}, and {@link InetAddress} loads
 * it at the JVM's first name lookup. The JVM's own cache sits above it: with the default
 * {@code networkaddress.cache.ttl} (30 s) a name looked up once is answered from the cache for 30 s and a move is
 * not seen until then. berth-jdbc's tests run with {@code -Dsun.net.inetaddr.ttl=0}, so the JVM asks this resolver
 * on every lookup; {@link #jvmAsksOnEveryLookup()} checks it.
 *
 * <p>Thread-safe: names may be pointed and looked up from any thread; a lookup sees the addresses of the last
 * {@link #point} that returned before it.
 */
public final class TestDns {

    /** Names ending in this are answered here; {@code .test} is reserved for testing (RFC 6761) and never resolves. */
    public static final String DOMAIN = ".berth.test";

    private static final Map<String, List<InetAddress>> RECORDS = new ConcurrentHashMap<>();
    private static final Map<String, LongAdder> LOOKUPS = new ConcurrentHashMap<>();
    private static volatile boolean installed;

    private TestDns() {
    }

    /**
     * Points {@code name} at {@code addresses} from now on (a lookup already under way may still return the old ones).
     *
     * @param name a name under {@value #DOMAIN}
     * @param addresses IP literals, for example {@code "127.0.0.2"}; no name is looked up
     */
    public static void point(String name, String... addresses) {
        String key = key(name);
        if (!key.endsWith(DOMAIN)) {
            throw new IllegalArgumentException("TestDns answers names under " + DOMAIN + " only, not " + name
                    + "; every other name goes to the system's resolver");
        }
        if (addresses.length == 0) {
            throw new IllegalArgumentException("point " + name + " at one address or more; forget(name) removes it");
        }
        RECORDS.put(key, Stream.of(addresses).map(address -> withName(name, address)).toList());
    }

    /** Removes {@code name}: lookups of it fail with {@link UnknownHostException} from now on. */
    public static void forget(String name) {
        RECORDS.remove(key(name));
    }

    /** @return how many times the JVM asked this resolver for {@code name} */
    public static long lookups(String name) {
        LongAdder count = LOOKUPS.get(key(name));
        return count == null ? 0 : count.sum();
    }

    /**
     * Whether this resolver is installed and the JVM asks it on every lookup, that is, no cache of the JVM answers
     * in its place: a fresh name is pointed at one address, looked up, pointed at another and looked up again.
     *
     * @return {@code null} when it does, otherwise why not, with the fix
     */
    public static String jvmAsksOnEveryLookup() {
        String probe = "probe-" + System.nanoTime() + DOMAIN;
        try {
            point(probe, "127.0.0.2");
            InetAddress first = InetAddress.getByName(probe);
            if (!installed || !"127.0.0.2".equals(first.getHostAddress())) {
                return "TestDns is not installed: " + probe + " resolved to " + first + ". It is registered in "
                        + "META-INF/services/java.net.spi.InetAddressResolverProvider on the test class path; the JVM "
                        + "ignores it when jdk.net.hosts.file is set";
            }
            point(probe, "127.0.0.3");
            InetAddress second = InetAddress.getByName(probe);
            if (!"127.0.0.3".equals(second.getHostAddress())) {
                return "the JVM's name cache answered a second lookup of " + probe + " with " + second.getHostAddress()
                        + " after the name moved to 127.0.0.3: the positive cache is on (networkaddress.cache.ttl, 30 s "
                        + "by default) and a DNS change cannot be seen within a test. Run the test JVM with "
                        + "-Dsun.net.inetaddr.ttl=0, as berth-jdbc's surefire argLine does";
            }
            return null;
        } catch (UnknownHostException e) {
            return "TestDns is not installed: the JVM could not resolve " + probe + " (" + e.getMessage() + ")";
        } finally {
            forget(probe);
            LOOKUPS.remove(key(probe));
        }
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static InetAddress withName(String name, String literal) {
        try {
            return InetAddress.getByAddress(name, InetAddress.ofLiteral(literal).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal + " is not an IP address literal", e);
        }
    }

    /**
     * The {@link InetAddressResolverProvider} the JVM loads from this module's test resources; not for direct use.
     */
    public static final class Provider extends InetAddressResolverProvider {

        /** Called by the JDK's {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public InetAddressResolver get(Configuration configuration) {
            installed = true;
            return new Resolver(configuration.builtinResolver());
        }

        @Override
        public String name() {
            return "berth TestDns (" + DOMAIN + ", everything else to the built-in resolver)";
        }
    }

    /** Answers {@value #DOMAIN} from the test's records and hands every other question to the built-in resolver. */
    private record Resolver(InetAddressResolver builtin) implements InetAddressResolver {

        @Override
        public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
            String key = key(host);
            if (!key.endsWith(DOMAIN)) {
                return builtin.lookupByName(host, policy);
            }
            LOOKUPS.computeIfAbsent(key, k -> new LongAdder()).increment();
            List<InetAddress> addresses = RECORDS.getOrDefault(key, List.of()).stream()
                    .filter(address -> allowed(address, policy))
                    .toList();
            if (addresses.isEmpty()) {
                throw new UnknownHostException(host + ": no such test name (TestDns answers " + DOMAIN
                        + " with what a test pointed there and nothing else)");
            }
            return addresses.stream();
        }

        @Override
        public String lookupByAddress(byte[] addr) throws UnknownHostException {
            return builtin.lookupByAddress(addr);
        }

        private static boolean allowed(InetAddress address, LookupPolicy policy) {
            int families = policy.characteristics();
            return address instanceof Inet4Address && (families & LookupPolicy.IPV4) != 0
                    || address instanceof Inet6Address && (families & LookupPolicy.IPV6) != 0;
        }
    }
}
