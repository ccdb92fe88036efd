package dev.berth.web;

import dev.berth.web.RequestTiming.Outcome;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.sql.SQLException;
import java.util.Objects;

/**
 * A Helidon SE 4 filter that gives each request one {@link RequestSession}, committed before the response is
 * sent. Helidon runs each request on a virtual thread, so handlers simply block on the database.
 *
 * {@snippet :
 * WebServer server = WebServer.builder()
 *         .routing(routing -> routing
 *                 .addFilter(new HelidonSessionFilter(middleware))
 *                 .post("/orders", (req, res) -> {
 *                     insertOrder(RequestSession.connection(), req.content().as(String.class));
 *                     res.status(Status.CREATED_201).send();   // commits first; a failed commit sends a 500
 *                 }))
 *         .build()
 *         .start();
 * }
 *
 * <p><b>Commit before send.</b> The transaction ends in the response's {@code beforeSend} hook, which Helidon runs
 * inside {@code send(...)} and {@code outputStream()} before the first byte is written: it commits when the status
 * is below 500 and rolls back otherwise. When the commit fails, the status becomes 500 and {@code send} throws an
 * {@link HttpException} (500), which Helidon's error handling turns into the 500 response; nothing of the
 * handler's response is sent.
 *
 * <p><b>Streaming.</b> {@code res.outputStream()} starts the response, so it commits and gives the connection
 * back: do the database work first, then open the stream; the body then streams without holding a connection.
 *
 * <p><b>Exceptions.</b> Helidon turns most of a handler's exceptions into a response (500, or the status of an
 * {@link HttpException}) before this filter sees them, so the status decides: 5xx rolls back, and a 4xx from an
 * exception (say {@code new HttpException("conflict", Status.CONFLICT_409)}) commits what the handler did before
 * it. (A {@code BadRequestException} with no error handler of its own reaches the filter and rolls back.) Wrap such a handler in {@link #rollbackOnException(Handler)},
 * or call {@link RequestSession#setRollbackOnly()} (for example in an error handler), where it must roll back.
 *
 * <p>Thread-safe: one instance serves all requests.
 */
public final class HelidonSessionFilter implements Filter {

    private final SessionMiddleware middleware;

    /** @param middleware the shared settings */
    public HelidonSessionFilter(SessionMiddleware middleware) {
        this.middleware = Objects.requireNonNull(middleware, "middleware");
    }

    /**
     * Wraps a route's handler so that any exception it throws rolls the request's transaction back, whatever
     * status Helidon's error handling then gives the response.
     *
     * {@snippet :
     * routing.post("/orders", HelidonSessionFilter.rollbackOnException((req, res) -> {
     *     insertOrder(RequestSession.connection(), order);
     *     reserveStock(order);    // throws HttpException(409): the client gets 409, and the insert is rolled back
     *     res.status(Status.CREATED_201).send();
     * }));
     * }
     *
     * @param handler the route's handler, run behind this filter
     * @return a handler that marks the request's transaction rollback-only when {@code handler} throws
     */
    public static Handler rollbackOnException(Handler handler) {
        Objects.requireNonNull(handler, "handler");
        return (request, response) -> {
            try {
                handler.handle(request, response);
            } catch (Exception | Error failure) {
                if (RequestSession.inRequest()) {
                    RequestSession.setRollbackOnly();
                }
                throw failure;
            }
        };
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        String deadlineHeader = middleware.deadlineHeader();
        String budget = deadlineHeader == null ? null
                : request.headers().first(io.helidon.http.HeaderNames.create(deadlineHeader)).orElse(null);
        RequestSession session = middleware.open(request.prologue().method().text(), request.prologue().uriPath().path(), budget);
        response.beforeSend(() -> beforeSend(session, response));
        int status = 500;
        try {
            session.run(() -> {
                chain.proceed();
                return null;
            });
            if (session.end(response.status().code(), "the handler returned") == Outcome.COMMIT_FAILED && !response.isSent()) {
                response.status(Status.INTERNAL_SERVER_ERROR_500).send(failureMessage(session.commitFailure()));
            }
            status = response.status().code();
        } catch (RuntimeException | Error failure) {
            session.abort(failure);
            throw failure;
        } finally {
            middleware.finished(session, status);
        }
    }

    private static void beforeSend(RequestSession session, RoutingResponse response) {
        if (session.outcome() == Outcome.COMMIT_FAILED) {
            return;   // Helidon's error handling now sends the 500 for the failure thrown below
        }
        Outcome outcome = session.end(response.status().code(), "the response started (send or outputStream)");
        if (outcome == Outcome.COMMIT_FAILED) {
            response.status(Status.INTERNAL_SERVER_ERROR_500);
            throw new HttpException(failureMessage(session.commitFailure()), Status.INTERNAL_SERVER_ERROR_500,
                    session.commitFailure(), true);
        }
    }

    private static String failureMessage(SQLException failure) {
        String state = failure == null || failure.getSQLState() == null ? "" : " (SQLSTATE " + failure.getSQLState() + ")";
        return "The request's changes could not be saved: the database refused to commit them" + state
                + ", so nothing was changed.";
    }

    @Override
    public String toString() {
        return "HelidonSessionFilter{" + middleware + '}';
    }
}
