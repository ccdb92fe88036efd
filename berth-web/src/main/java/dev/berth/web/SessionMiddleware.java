package dev.berth.web;

import dev.berth.jdbc.tx.Database;
import dev.berth.jdbc.tx.TransactionOptions;
import dev.berth.pool.RequestDeadline;
import dev.berth.web.RequestTiming.Outcome;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * One request, one session: the settings the adapters ({@link SessionFilter} for Jakarta Servlet,
 * {@link HelidonSessionFilter} for Helidon SE 4) share, and a framework-neutral way to run a handler the same
 * way ({@link #handle}).
 *
 * {@snippet :
 * SessionMiddleware middleware = SessionMiddleware.builder(db)
 *         .readOnlyWhen((method, path) -> method.equals("GET") && path.startsWith("/reports/"))
 *         .slowRequestThreshold(Duration.ofMillis(300))
 *         .build();
 * }
 *
 * <p>Per request it promises: a connection is leased only when the handler first asks
 * ({@link RequestSession#connection()}); the transaction is committed <em>before</em> the response is sent, so
 * a commit that fails turns the response into a 500 and a 2xx is never sent for work that did not commit; it
 * rolls back on an exception, a 5xx or {@link RequestSession#setRollbackOnly()}; the connection is given back
 * always, and before a streamed body is sent.
 *
 * <p><b>Slow requests.</b> A request that takes longer than the threshold (300 ms by default) is logged at
 * {@code WARNING} on the {@link System.Logger} {@value #SLOW_REQUEST_LOGGER}, one line with method, path,
 * status, total time, and the time spent waiting for a connection versus holding one:
 * {@code slow request: GET /orders -> 200 in 812 ms (connection: waited 640 ms, held 150 ms; committed)}. A long
 * wait points at a starved pool; a long hold at slow queries or work done while holding the connection.
 *
 * <p><b>Deadlines.</b> With {@link Builder#requestDeadline} or {@link Builder#deadlineHeader} (a budget the gateway
 * in front sends, in milliseconds), each request runs under a {@link RequestDeadline}: its connection is had within
 * what is left of the budget or not at all, and, when the pool is overloaded, a request that could not be served in
 * time fails at once instead of waiting for a connection it could no longer use (see
 * {@link dev.berth.pool.OverloadPolicy}).
 * {@snippet :
 * SessionMiddleware middleware = SessionMiddleware.builder(db)
 *         .requestDeadline(Duration.ofSeconds(2))           // no request waits longer for its connection
 *         .deadlineHeader("X-Request-Timeout-Ms")           // or less, when the gateway says its client gives up sooner
 *         .build();
 * }
 *
 * <p>Immutable and thread-safe: build one per application and share it between requests.
 */
public final class SessionMiddleware {

    /** The name of the logger slow requests go to. */
    public static final String SLOW_REQUEST_LOGGER = "dev.berth.web.SlowRequests";

    private static final System.Logger SLOW = System.getLogger(SLOW_REQUEST_LOGGER);

    private final Database database;
    private final TransactionOptions options;
    private final TransactionOptions readOnlyOptions;
    private final BiPredicate<String, String> readOnly;
    private final Duration slowThreshold;
    private final long slowNanos;
    private final Consumer<RequestTiming> onSlowRequest;
    private final int responseBufferSize;
    private final Duration requestDeadline;
    private final String deadlineHeader;

    private SessionMiddleware(Builder builder) {
        this.database = builder.database;
        this.options = builder.options;
        this.readOnlyOptions = builder.options.readOnly(true);
        this.readOnly = builder.readOnly;
        this.slowThreshold = builder.slowThreshold;
        this.slowNanos = builder.slowThreshold.toNanos();
        this.onSlowRequest = builder.onSlowRequest;
        this.responseBufferSize = builder.responseBufferSize;
        this.requestDeadline = builder.requestDeadline;
        this.deadlineHeader = builder.deadlineHeader;
    }

    /**
     * @param database where the requests' transactions run
     * @return a builder with the defaults: default transaction options, no read-only routes, 300 ms slow threshold
     */
    public static Builder builder(Database database) {
        return new Builder(Objects.requireNonNull(database, "database"));
    }

    /**
     * A handler for {@link #handle}: does the request's work and returns the status to send.
     *
     * @param <X> the checked exception it may throw
     */
    @FunctionalInterface
    public interface Handler<X extends Exception> {
        /**
         * @return the HTTP status the response should get
         * @throws X when the work failed (the transaction rolls back)
         */
        int handle() throws X;
    }

    /**
     * Runs {@code handler} as the adapters do, for a framework without one: {@link RequestSession} is bound
     * around it, and when it returns the transaction is committed (status below 500) or rolled back, and the
     * connection is given back. Send the response only after this returns, with the status it returns.
     *
     * {@snippet :
     * int status = middleware.handle("POST", "/orders", () -> {
     *     insertOrder(RequestSession.connection(), order);
     *     return 201;
     * });
     * respond(status);   // 500 when the commit failed
     * }
     *
     * @param method the HTTP method, for read-only routing and the log
     * @param path the path without the query string, for read-only routing and the log
     * @param handler the request's work
     * @param <X> the handler's checked exception
     * @return the handler's status, or 500 when the commit failed
     * @throws X when the handler threw it (after the rollback)
     */
    public <X extends Exception> int handle(String method, String path, Handler<X> handler) throws X {
        return handle(method, path, null, handler);
    }

    /**
     * {@link #handle(String, String, Handler)} for a request that came with a deadline header.
     *
     * @param method the HTTP method
     * @param path the path without the query string
     * @param deadlineHeaderValue the value of the {@link Builder#deadlineHeader} header, or {@code null}
     * @param handler the request's work
     * @param <X> the handler's checked exception
     * @return the handler's status, or 500 when the commit failed
     * @throws X when the handler threw it (after the rollback)
     */
    public <X extends Exception> int handle(String method, String path, String deadlineHeaderValue, Handler<X> handler)
            throws X {
        RequestSession session = open(method, path, deadlineHeaderValue);
        int status = 500;
        try {
            status = session.run(handler::handle);
            if (session.end(status, "the handler returned") == Outcome.COMMIT_FAILED) {
                status = 500;
            }
            return status;
        } catch (Throwable failure) {
            session.abort(failure);
            throw failure;
        } finally {
            finished(session, status);
        }
    }

    // ---- for the adapters --------------------------------------------------------------------------------

    RequestSession open(String method, String path, String deadlineHeaderValue) {
        TransactionOptions chosen = readOnly.test(method, path) ? readOnlyOptions : options;
        return new RequestSession(database, chosen, method, path, budget(deadlineHeaderValue));
    }

    /** @return the header the adapters read a request's budget from, or {@code null} */
    String deadlineHeader() {
        return deadlineHeader;
    }

    /**
     * A request's budget: the header's milliseconds, capped by {@link Builder#requestDeadline}; the setting alone when
     * the header is absent or not a number of milliseconds (a client's mistake must not fail its request); null when
     * neither applies.
     */
    Duration budget(String headerValue) {
        Duration fromHeader = null;
        if (deadlineHeader != null && headerValue != null) {
            try {
                fromHeader = Duration.ofMillis(Long.parseLong(headerValue.strip()));
            } catch (NumberFormatException e) {
                fromHeader = null;
            }
        }
        if (fromHeader == null) {
            return requestDeadline;
        }
        return requestDeadline != null && requestDeadline.compareTo(fromHeader) < 0 ? requestDeadline : fromHeader;
    }

    /** Logs the request when it was slow; call once, when the response is done. */
    void finished(RequestSession session, int status) {
        if (System.nanoTime() - session.startedAt < slowNanos) {
            return;
        }
        RequestTiming timing = session.timing(status);
        if (timing.total().compareTo(slowThreshold) < 0) {
            return;
        }
        SLOW.log(System.Logger.Level.WARNING, () -> "slow request: " + timing);
        if (onSlowRequest != null) {
            try {
                onSlowRequest.accept(timing);
            } catch (RuntimeException e) {
                SLOW.log(System.Logger.Level.WARNING, "the onSlowRequest listener failed; the request was not affected", e);
            }
        }
    }

    int responseBufferSize() {
        return responseBufferSize;
    }

    /** @return the slow-request threshold */
    public Duration slowRequestThreshold() {
        return slowThreshold;
    }

    @Override
    public String toString() {
        return "SessionMiddleware{" + database.name() + ", slow after " + slowThreshold.toMillis() + " ms}";
    }

    /** Settings for a {@link SessionMiddleware}. Not thread-safe; build once at startup. */
    public static final class Builder {
        private final Database database;
        private TransactionOptions options = TransactionOptions.defaults();
        private BiPredicate<String, String> readOnly = (method, path) -> false;
        private Duration slowThreshold = Duration.ofMillis(300);
        private Consumer<RequestTiming> onSlowRequest;
        private int responseBufferSize = 8192;
        private Duration requestDeadline;
        private String deadlineHeader;

        private Builder(Database database) {
            this.database = database;
        }

        /**
         * @param transactionOptions isolation, statement timeout and so on of every request's transaction
         *     (default: {@link TransactionOptions#defaults()}); read-only routes get the same with read-only set
         * @return this builder
         */
        public Builder options(TransactionOptions transactionOptions) {
            this.options = Objects.requireNonNull(transactionOptions, "transactionOptions");
            return this;
        }

        /**
         * Marks routes read-only: their transactions are {@code READ ONLY}, and run on a replica when the
         * database has one (a replica may lag; routes that must read their own writes should not be read-only).
         *
         * {@snippet :
         * builder.readOnlyWhen((method, path) -> method.equals("GET") && !path.startsWith("/account/"));
         * }
         *
         * @param routes given the method and the path (without query), whether the route is read-only
         * @return this builder
         */
        public Builder readOnlyWhen(BiPredicate<String, String> routes) {
            this.readOnly = Objects.requireNonNull(routes, "routes");
            return this;
        }

        /**
         * @param threshold requests taking at least this long are logged (default 300 ms; {@link Duration#ZERO}
         *     logs every request)
         * @return this builder
         */
        public Builder slowRequestThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "threshold");
            if (threshold.isNegative()) {
                throw new IllegalArgumentException("slowRequestThreshold must be zero or more, was " + threshold);
            }
            this.slowThreshold = threshold;
            return this;
        }

        /**
         * @param listener also called with each slow request's timing (on the request's thread, after the
         *     response; it must be quick and not throw)
         * @return this builder
         */
        public Builder onSlowRequest(Consumer<RequestTiming> listener) {
            this.onSlowRequest = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * For {@link SessionFilter}: how many bytes of body a servlet may write before the response starts
         * (which ends the transaction); until then the body is held back so that a failed commit can still
         * become a 500. Default 8192; a flush starts the response earlier.
         *
         * @param bytes at least 0
         * @return this builder
         */
        public Builder responseBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("responseBufferSize must be 0 or more bytes, was " + bytes);
            }
            this.responseBufferSize = bytes;
            return this;
        }

        /**
         * Every request runs under a {@link RequestDeadline} this long from its start: its connection is had within
         * what is left or the request fails (at once when the pool is overloaded and could not serve it in time).
         * Default: none (the pool's own {@code connectionTimeout}).
         *
         * @param budget positive
         * @return this builder
         */
        public Builder requestDeadline(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            if (budget.isNegative() || budget.isZero()) {
                throw new IllegalArgumentException("requestDeadline must be positive, was " + budget
                        + "; leave it unset for no deadline beyond the pool's connectionTimeout");
            }
            this.requestDeadline = budget;
            return this;
        }

        /**
         * Reads each request's budget, in milliseconds, from this header (a gateway or client that gives up sooner
         * says so, e.g. {@code X-Request-Timeout-Ms: 800}); capped by {@link #requestDeadline} when both are set. A
         * value that is not a number is ignored. Default: none.
         *
         * @param name the header's name
         * @return this builder
         */
        public Builder deadlineHeader(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("deadlineHeader must name a header, e.g. \"X-Request-Timeout-Ms\"");
            }
            this.deadlineHeader = name.strip();
            return this;
        }

        /** @return the middleware */
        public SessionMiddleware build() {
            return new SessionMiddleware(this);
        }
    }
}
