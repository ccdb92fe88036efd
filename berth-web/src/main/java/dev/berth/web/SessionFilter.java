package dev.berth.web;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;

/**
 * A Jakarta Servlet 6 filter that gives each request one {@link RequestSession}, committed before the response
 * is sent: for Jetty, Tomcat, Spring MVC (register it as a bean) and Javalin.
 *
 * {@snippet :
 * // Jetty 12 (ee10)
 * ServletContextHandler context = new ServletContextHandler();
 * context.addFilter(new FilterHolder(new SessionFilter(middleware)), "/*", EnumSet.of(DispatcherType.REQUEST));
 *
 * // Spring Boot: return it from a method annotated with Bean in a configuration class
 * FilterRegistrationBean<SessionFilter> sessions(SessionMiddleware middleware) {
 *     return new FilterRegistrationBean<>(new SessionFilter(middleware));
 * }
 * }
 *
 * <p><b>Commit before send.</b> The filter hands the servlet a response that holds the body back (up to
 * {@link SessionMiddleware.Builder#responseBufferSize}, 8 KiB by default) and intercepts {@code sendError},
 * {@code sendRedirect} and {@code flushBuffer}. The response starts, and the transaction ends, at the first of:
 * the servlet returns, it flushes, or the body outgrows the buffer. The transaction commits when the status is
 * below 500 and rolls back otherwise; only then does anything reach the client. When the commit fails, the held
 * body is dropped and the client gets a 500 (and a servlet still writing gets an {@link IOException}).
 *
 * <p><b>Streaming.</b> A servlet that streams a long body should do its database work first and then flush: the
 * flush commits and gives the connection back, and the rest of the body streams without holding one.
 *
 * <p><b>Exceptions.</b> An exception from the servlet rolls the transaction back and is rethrown, so the
 * container sends its 500 (the held body is dropped). An exception a framework maps to a 4xx inside the servlet
 * (a Spring {@code ExceptionHandler}) commits unless it calls {@link RequestSession#setRollbackOnly()}. Asynchronous servlets ({@code startAsync}) are not
 * supported: the transaction ends when the filter chain returns.
 *
 * <p>Thread-safe: one instance serves all requests.
 */
public final class SessionFilter implements Filter {

    private static final String ACTIVE = SessionFilter.class.getName() + ".active";

    private final SessionMiddleware middleware;

    /** @param middleware the shared settings */
    public SessionFilter(SessionMiddleware middleware) {
        this.middleware = Objects.requireNonNull(middleware, "middleware");
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse httpResponse)
                || request.getAttribute(ACTIVE) != null || request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(request, response);   // not HTTP, or a forward/include/error dispatch inside a session
            return;
        }
        String deadlineHeader = middleware.deadlineHeader();
        RequestSession session = middleware.open(http.getMethod(), pathOf(http),
                deadlineHeader == null ? null : http.getHeader(deadlineHeader));
        HeldResponse held = new HeldResponse(httpResponse, session, middleware.responseBufferSize());
        request.setAttribute(ACTIVE, Boolean.TRUE);
        int status = 500;
        try {
            session.run(() -> {
                chain.doFilter(request, held);
                return null;
            });
            held.finish();
            status = held.sentStatus();
        } catch (Throwable failure) {
            session.abort(failure);
            if (held.commitFailed()) {
                status = held.sentStatus();   // the servlet stopped at the IOException berth gave it; the 500 stands
                return;
            }
            status = held.abandon();
            throw rethrow(failure);
        } finally {
            request.removeAttribute(ACTIVE);
            middleware.finished(session, status);
        }
    }

    private static ServletException rethrow(Throwable failure) throws IOException, ServletException {
        switch (failure) {
            case IOException e -> throw e;
            case ServletException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> {
                return new ServletException(failure);
            }
        }
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    }

    @Override
    public String toString() {
        return "SessionFilter{" + middleware + '}';
    }
}
