package dev.berth.jdbc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A database URL as users write it: {@code jdbc:postgresql://...} (passed to pgjdbc as is) or the
 * {@code DATABASE_URL} convention {@code postgres://user:password@host:port/db?sslmode=require}
 * ({@code postgresql://} too), whose percent-decoded credentials are split off so that the JDBC URL never
 * carries them.
 *
 * @param jdbcUrl the {@code jdbc:postgresql:} URL without the credentials of a {@code postgres://} URL
 * @param user the user from the URL, or {@code null}
 * @param password the password from the URL (including a {@code password=} parameter), or {@code null}
 */
record PostgresUrl(String jdbcUrl, String user, String password) {

    private static final String JDBC_PREFIX = "jdbc:postgresql:";

    /**
     * Parses a URL.
     *
     * @throws IllegalArgumentException naming the URL (with any password masked) and the accepted forms
     */
    static PostgresUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("jdbcUrl is missing; set it to a URL such as "
                    + "jdbc:postgresql://localhost:5432/app or postgres://user:password@localhost:5432/app");
        }
        String trimmed = url.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith(JDBC_PREFIX)) {
            return new PostgresUrl(trimmed, null, queryParameter(trimmed, "password"));
        }
        for (String scheme : new String[] {"postgres://", "postgresql://"}) {
            if (lower.startsWith(scheme)) {
                return fromDatabaseUrl(trimmed, trimmed.substring(scheme.length()));
            }
        }
        throw invalid(trimmed, "it starts with neither jdbc:postgresql: nor postgres:// nor postgresql://");
    }

    private static PostgresUrl fromDatabaseUrl(String url, String rest) {
        int pathStart = indexOfAny(rest, "/?");
        String authority = pathStart < 0 ? rest : rest.substring(0, pathStart);
        String tail = pathStart < 0 ? "" : rest.substring(pathStart);
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(url, colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(url, userInfo.substring(colon + 1));
            if (user.isEmpty()) {
                user = null;
            }
        }
        if (authority.isEmpty()) {
            authority = "localhost";
        }
        if (!tail.isEmpty() && tail.charAt(0) == '?') {
            tail = "/" + tail;
        }
        String jdbc = JDBC_PREFIX + "//" + authority + tail;
        String passwordParameter = queryParameter(jdbc, "password");
        return new PostgresUrl(jdbc, user, password != null ? password : passwordParameter);
    }

    /** Decodes %XX escapes (a '+' stays a '+': userinfo is not form-encoded). */
    private static String decode(String url, String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw invalid(url, "it has an incomplete %-escape in the user or password");
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw invalid(url, "it has an invalid %-escape in the user or password");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The (undecoded) value of a query parameter, or {@code null}. */
    private static String queryParameter(String url, String name) {
        int query = url.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String pair : url.substring(query + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase(name)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    private static int indexOfAny(String text, String chars) {
        for (int i = 0; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException invalid(String url, String reason) {
        return new IllegalArgumentException("jdbcUrl " + mask(url) + " is not a PostgreSQL URL: " + reason
                + "; use jdbc:postgresql://host:5432/db or postgres://user:password@host:5432/db");
    }

    /**
     * The URL with the password of a {@code user:password@} part and of a {@code password=} parameter
     * replaced by {@code ***}, for messages and {@code toString()}.
     */
    static String mask(String url) {
        if (url == null) {
            return null;
        }
        String masked = url;
        int scheme = masked.indexOf("://");
        if (scheme >= 0) {
            int start = scheme + 3;
            int end = indexOfAny(masked.substring(start), "/?");
            String authority = end < 0 ? masked.substring(start) : masked.substring(start, start + end);
            int at = authority.lastIndexOf('@');
            int colon = authority.indexOf(':');
            if (at >= 0 && colon >= 0 && colon < at) {
                masked = masked.substring(0, start + colon + 1) + "***" + masked.substring(start + at);
            }
        }
        return masked.replaceAll("(?i)([?&]password=)[^&\\s]*", "$1***");
    }

    @Override
    public String toString() {
        return "PostgresUrl{" + mask(jdbcUrl) + ", user=" + user + ", password=" + (password == null ? "none" : "***") + '}';
    }
}
