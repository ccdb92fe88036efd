package dev.berth.demo;

import dev.berth.pool.PoolTimeoutException;
import dev.berth.web.RequestSession;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.NoSuchElementException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Turns a handler's failure into the API's JSON error, and rolls the request's transaction back. Bad input is
 * the {@link ApiException}'s own status (400, 404, 409, 413); a starved pool (berth's {@link PoolTimeoutException},
 * JDBC's {@link SQLTransientConnectionException}, JedisPool's exhausted pool) is 503 with {@code Retry-After}; a
 * transfer that still conflicted after every retry is 503 too; anything else is 500 and is logged.
 */
final class Errors {
    private static final System.Logger LOG = System.getLogger(Errors.class.getName());
    /** After a refused upload, at most this much of the rest of the body is read and dropped, so the client gets the 413. */
    private static final long DISCARD_LIMIT = 64L << 20;

    private Errors() {
    }

    static void send(ServerRequest req, ServerResponse res, Exception failure) {
        if (RequestSession.inRequest()) {
            RequestSession.setRollbackOnly();
        }
        if (res.isSent()) {
            LOG.log(System.Logger.Level.WARNING, "request " + describe(req) + " failed after its response started", failure);
            return;
        }
        int status;
        String code;
        String message;
        Throwable starved = starvation(failure);
        if (failure instanceof ApiException api) {
            status = api.status();
            code = api.code();
            message = api.getMessage();
        } else if (starved != null) {
            status = 503;
            code = "pool_exhausted";
            message = "no connection became free in time: " + firstLine(starved.getMessage())
                    + " Retry after a second; POST /api/starve shows the full report of a starved pool.";
            res.header(HeaderNames.RETRY_AFTER, "1");
        } else if (failure instanceof SQLException sql && isConflict(sql)) {
            status = 503;
            code = "serialization_conflict";
            message = "the transfer conflicted with concurrent transfers on every attempt (SQLSTATE " + sql.getSQLState()
                    + "); nothing was moved. Retry after a second.";
            res.header(HeaderNames.RETRY_AFTER, "1");
        } else if (cause(failure, JedisConnectionException.class) != null) {
            status = 503;
            code = "redis_unavailable";
            message = "Redis did not answer: " + firstLine(cause(failure, JedisConnectionException.class).getMessage())
                    + ". Retry after a second.";
            res.header(HeaderNames.RETRY_AFTER, "1");
        } else if (failure instanceof SQLException sql) {
            status = 500;
            code = "database_error";
            message = "the database failed: " + firstLine(sql.getMessage()) + " (SQLSTATE " + sql.getSQLState() + ")";
            LOG.log(System.Logger.Level.ERROR, "request " + describe(req) + " failed", failure);
        } else {
            status = 500;
            code = "internal";
            message = "an unexpected " + failure.getClass().getSimpleName() + " occurred; the server's log has the details";
            LOG.log(System.Logger.Level.ERROR, "request " + describe(req) + " failed", failure);
        }
        Api.json(res, status, new Body(code, message));
    }

    /** The JSON of every error: {@code {"error": "<code>", "message": "<sentence>"}}. */
    record Body(String error, String message) {
    }

    /**
     * Reads and drops the rest of a refused request body (up to {@value #DISCARD_LIMIT} bytes), so a client still
     * sending it reads the error instead of a reset connection; past that the connection is closed after the answer.
     */
    static void discardRest(InputStream body, ServerResponse res) {
        byte[] buffer = new byte[64 * 1024];
        long dropped = 0;
        try {
            int n;
            while ((n = body.read(buffer)) >= 0) {
                dropped += n;
                if (dropped > DISCARD_LIMIT) {
                    res.header(HeaderNames.CONNECTION, "close");
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            res.header(HeaderNames.CONNECTION, "close");
        }
    }

    /** @return the exception that says a pool had no connection to lend in time, or {@code null} */
    static Throwable starvation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PoolTimeoutException || t instanceof SQLTransientConnectionException) {
                return t;
            }
            if (t instanceof JedisException && t.getCause() instanceof NoSuchElementException) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static boolean isConflict(SQLException e) {
        return "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
    }

    private static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        String line = text.lines().findFirst().orElse("").strip();
        if (line.endsWith(":")) {   // "...; longest holders:" announces lines that are left out here
            int clause = line.lastIndexOf(';');
            line = clause > 0 ? line.substring(0, clause) : line.substring(0, line.length() - 1);
        }
        return line.endsWith(".") ? line : line + ".";
    }

    private static String describe(ServerRequest req) {
        return req.prologue().method().text() + " " + req.path().path();
    }
}
