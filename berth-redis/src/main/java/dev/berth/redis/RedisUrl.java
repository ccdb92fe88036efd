package dev.berth.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a Redis server is and how to log in: parsed from {@code redis://[[user]:password@]host[:port][/db]}
 * or {@code rediss://...} (TLS). The password never appears in {@link #toString()} or in any error message:
 * both show {@code ***} in its place.
 *
 * {@snippet :
 * RedisUrl url = RedisUrl.parse("redis://app:s3cret@cache.internal:6380/2");
 * url.host();      // "cache.internal"
 * url.database();  // 2
 * url.toString();  // "redis://app:***@cache.internal:6380/2"
 * }
 *
 * <p>{@code redis://secret@host} (no colon) is read as a password without a user name, as Lettuce and
 * redis-cli do. User name and password are percent-decoded. Immutable and thread-safe.
 */
public final class RedisUrl {
    private static final int DEFAULT_PORT = 6379;

    private final boolean tls;
    private final String host;
    private final int port;
    private final int database;
    private final String user;
    private final String password;

    private RedisUrl(boolean tls, String host, int port, int database, String user, String password) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    /**
     * Parses a Redis URL.
     *
     * @param url {@code redis://} or {@code rediss://} URL
     * @return the parsed URL
     * @throws IllegalArgumentException when the URL is malformed; the message shows it with the password hidden
     */
    public static RedisUrl parse(String url) {
        Objects.requireNonNull(url, "url must not be null; pass a URL such as redis://127.0.0.1:6379/0");
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Redis URL " + redact(url) + " is not a valid URI (" + e.getReason()
                    + "); expected redis://[[user]:password@]host[:port][/db]");
        }
        String scheme = uri.getScheme();
        if (!"redis".equalsIgnoreCase(scheme) && !"rediss".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("Redis URL " + redact(url) + " has scheme '" + scheme
                    + "'; use redis:// (plain) or rediss:// (TLS)");
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("Redis URL " + redact(url) + " names no host; expected redis://host:port/db");
        }
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        int database = 0;
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0) {
                throw new IllegalArgumentException("Redis URL " + redact(url) + " has path '" + path
                        + "' but the path must be a database number such as /0");
            }
        }
        if (uri.getRawQuery() != null) {
            throw new IllegalArgumentException("Redis URL " + redact(url)
                    + " has query parameters, which berth does not read; set timeouts and names on RedisPool.builder instead");
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = decode(info);
            } else {
                user = colon == 0 ? null : decode(info.substring(0, colon));
                password = colon == info.length() - 1 ? null : decode(info.substring(colon + 1));
            }
        }
        return new RedisUrl("rediss".equalsIgnoreCase(scheme), host, port, database, user, password);
    }

    /** @return whether the connection uses TLS ({@code rediss://}) */
    public boolean tls() { return tls; }

    /** @return the server's host name or address */
    public String host() { return host; }

    /** @return the server's port (6379 when the URL names none) */
    public int port() { return port; }

    /** @return the database number selected on every connection (0 when the URL names none) */
    public int database() { return database; }

    /** @return the ACL user name, or {@code null} for the default user */
    public String user() { return user; }

    /** @return whether the URL carries a password */
    public boolean hasPassword() { return password != null; }

    /** The password, for the connection factory only; never logged. */
    String password() { return password; }

    /** @return the URL with the password replaced by {@code ***} */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(tls ? "rediss://" : "redis://");
        if (user != null || password != null) {
            s.append(user != null ? user : "").append(password != null ? ":***" : "").append('@');
        }
        return s.append(host).append(':').append(port).append('/').append(database).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisUrl u && tls == u.tls && port == u.port && database == u.database
                && host.equals(u.host) && Objects.equals(user, u.user) && Objects.equals(password, u.password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tls, host, port, database, user);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Hides whatever sits between "//" and "@" after the first colon, without trusting the URL to parse. */
    static String redact(String url) {
        int start = url.indexOf("//");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start) {
            return url;
        }
        int colon = url.indexOf(':', start + 2);
        String user = colon >= 0 && colon < at ? url.substring(start + 2, colon) : "";
        return url.substring(0, start + 2) + user + ":***" + url.substring(at);
    }
}
