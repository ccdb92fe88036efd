package dev.berth.jdbc;

import java.sql.SQLException;
import java.util.List;

/**
 * Keeps passwords out of error messages. pgjdbc and the pool may quote the URL or the server's words in
 * their messages; an exception whose chain mentions a password is replaced by a copy with the password
 * masked (same type where possible, same SQLState, same stack traces).
 */
final class Secrets {

    /** Shorter secrets would mask ordinary words; they cannot be told apart from text. */
    private static final int SHORTEST_MASKED = 3;

    private final List<String> secrets;

    Secrets(String... candidates) {
        this.secrets = java.util.Arrays.stream(candidates)
                .filter(s -> s != null && s.length() >= SHORTEST_MASKED)
                .distinct()
                .toList();
    }

    /** @return these secrets and {@code another} (a password a provider gave for one connection) */
    Secrets and(String another) {
        java.util.List<String> all = new java.util.ArrayList<>(secrets);
        all.add(another);
        return new Secrets(all.toArray(String[]::new));
    }

    /** @return the text with every secret and every URL password replaced by {@code ***} */
    String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = PostgresUrl.mask(text);
        for (String secret : secrets) {
            masked = masked.replace(secret, "***");
        }
        return masked;
    }

    /** @return the throwable itself when no message in its chain reveals a secret, else a masked copy */
    <T extends Throwable> Throwable scrub(T failure) {
        if (failure == null || isClean(failure)) {
            return failure;
        }
        return copy(failure);
    }

    private boolean isClean(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.equals(mask(message))) {
                return false;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return true;
    }

    private Throwable copy(Throwable original) {
        Throwable cause = original.getCause() == null || original.getCause() == original ? null : copy(original.getCause());
        String message = mask(original.getMessage());
        Throwable copy;
        if (original instanceof SQLException sql) {
            copy = new SQLException(message, sql.getSQLState(), sql.getErrorCode(), cause);
        } else if (original instanceof java.io.IOException) {
            copy = new java.io.IOException(message, cause);
        } else if (original instanceof RuntimeException) {
            copy = new RuntimeException(message, cause);
        } else {
            copy = new Exception(message, cause);
        }
        copy.setStackTrace(original.getStackTrace());
        for (Throwable suppressed : original.getSuppressed()) {
            copy.addSuppressed(copy(suppressed));
        }
        return copy;
    }
}
