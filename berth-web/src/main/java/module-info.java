/**
 * berth-web: one HTTP request, one database session ({@link dev.berth.web.RequestSession}), committed before the
 * response is sent, with a slow-request log ({@link dev.berth.web.SessionMiddleware}). Adapters for Jakarta
 * Servlet ({@link dev.berth.web.SessionFilter}) and Helidon SE 4 ({@link dev.berth.web.HelidonSessionFilter});
 * each framework is optional ({@code requires static}): an application brings only its own, and reads it
 * through this module when it does.
 */
module dev.berth.web {
    requires transitive dev.berth.jdbc;
    requires static transitive jakarta.servlet;
    requires static transitive io.helidon.webserver;

    exports dev.berth.web;
}
