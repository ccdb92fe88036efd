/**
 * berth-web: one HTTP request, one database session ({@link dev.berth.web.RequestSession}), committed before the
 * response is sent, with a slow-request log ({@link dev.berth.web.SessionMiddleware}). Adapters for Jakarta
 * Servlet ({@link dev.berth.web.SessionFilter}) and Helidon SE 4 ({@link dev.berth.web.HelidonSessionFilter});
 * each framework is optional: an application brings only its own.
 */
module dev.berth.web {
    requires transitive dev.berth.jdbc;
    requires static jakarta.servlet;
    requires static io.helidon.webserver;

    exports dev.berth.web;
}
