package dev.berth.web;

import java.time.Duration;

/**
 * How one request went, as the slow-request log reports it: its total time, and how much of it the request
 * spent waiting for a pooled connection and holding one. Immutable.
 *
 * {@snippet :
 * SessionMiddleware middleware = SessionMiddleware.builder(db)
 *         .onSlowRequest(timing -> dashboard.recordSlow(timing))   // besides the log line
 *         .build();
 * }
 *
 * @param method the HTTP method
 * @param path the request path, without the query string
 * @param status the status the client got
 * @param total from the middleware's start to the end of the response
 * @param connectionWait time spent getting a connection and beginning the transaction (zero without one), plus
 *     the wait of units of work the handler reported with {@link RequestSession#addConnectionTime}
 * @param connectionHold time from getting the connection to giving it back (zero without one), plus the hold
 *     of units of work the handler reported with {@link RequestSession#addConnectionTime}
 * @param outcome what became of the request's transaction
 */
public record RequestTiming(String method, String path, int status, Duration total, Duration connectionWait,
                            Duration connectionHold, Outcome outcome) {

    /** What became of a request's transaction. */
    public enum Outcome {
        /** The request never asked for a connection, so it took none. */
        NO_CONNECTION,
        /** Committed before the response was sent. */
        COMMITTED,
        /** Rolled back: a 5xx status, an exception, or {@link RequestSession#setRollbackOnly()}. */
        ROLLED_BACK,
        /** The commit failed; the client got a 5xx. */
        COMMIT_FAILED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /** @return the log line: {@code GET /orders -> 200 in 812 ms (connection: waited 640 ms, held 150 ms; committed)} */
    @Override
    public String toString() {
        return method + " " + path + " -> " + status + " in " + millis(total) + " (connection: "
                + (outcome == Outcome.NO_CONNECTION && connectionWait.isZero() && connectionHold.isZero() ? "none"
                        : "waited " + millis(connectionWait) + ", held " + millis(connectionHold))
                + "; " + outcome + ")";
    }

    private static String millis(Duration d) {
        long micros = d.toNanos() / 1_000;
        return micros >= 10_000 ? (micros / 1_000) + " ms" : String.format(java.util.Locale.ROOT, "%.1f ms", micros / 1000.0);
    }
}
