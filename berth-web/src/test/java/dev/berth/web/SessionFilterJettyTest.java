package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.jdbc.tx.Transaction;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** {@link SessionFilter} in a real Jetty 12 (ee10) on a loopback port, against the real PostgreSQL. */
class SessionFilterJettyTest extends SessionAdapterContract {

    private static final int BIG = 64 * 1024;
    private Server server;

    @Override String tag() { return "jetty"; }
    @Override String responseStartedPhrase() { return "the servlet flushed the response"; }

    @Override
    void assertCommitFailureBody(String body) {
        assertThat(body).contains("could not be saved").contains("23503");
    }

    @Override
    int startServer(SessionMiddleware middleware) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new SessionFilter(middleware)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new Routes()), "/*");
        server.setHandler(context);
        server.start();
        return connector.getLocalPort();
    }

    @Override
    void stopServer() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    /** The application under test: one servlet, one behaviour per path. */
    final class Routes extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String body = request.getParameter("body");
            try {
                switch (request.getRequestURI()) {
                    case "/notes" -> {
                        database.insertNote(RequestSession.connection(), body);
                        response.getWriter().print("saved " + body);
                    }
                    case "/throws" -> {
                        database.insertNote(RequestSession.connection(), body);
                        throw new IllegalStateException("the handler failed after writing");
                    }
                    case "/unavailable" -> {
                        database.insertNote(RequestSession.connection(), body);
                        response.setStatus(503);
                        response.getWriter().print("try later");
                    }
                    case "/send-error" -> {
                        database.insertNote(RequestSession.connection(), body);
                        response.sendError(503, "try later");
                    }
                    case "/orphan" -> {
                        database.insertOrphan(RequestSession.connection());
                        response.getWriter().print("saved, or so the handler thinks");
                    }
                    case "/stream" -> {
                        database.insertNote(RequestSession.connection(), body);
                        var out = response.getOutputStream();
                        out.write("first\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();   // starts the response: commits and gives the connection back
                        streamGate.await(20, TimeUnit.SECONDS);
                        out.write("second\n".getBytes(StandardCharsets.UTF_8));
                    }
                    case "/after-start" -> {
                        response.getWriter().print("started\n");
                        response.flushBuffer();
                        try {
                            RequestSession.connection();
                            response.getWriter().print("a connection after the start");
                        } catch (IllegalStateException expected) {
                            response.getWriter().print(expected.getMessage());
                        }
                    }
                    case "/big" -> {
                        database.insertNote(RequestSession.connection(), body);
                        response.getOutputStream().write(new byte[BIG]);   // outgrows the 8 KiB held back
                    }
                    case "/orphan-big" -> {
                        database.insertOrphan(RequestSession.connection());
                        response.getOutputStream().write(new byte[BIG]);   // the commit fails when it outgrows 8 KiB
                    }
                    case "/redirect" -> {
                        database.insertNote(RequestSession.connection(), body);
                        response.sendRedirect("/plain");
                    }
                    case "/plain" -> response.getWriter().print("no database here");
                    case "/deadline" -> response.getWriter().print(SessionAdapterContract.remainingMillis());
                    case "/reports/where", "/where" -> {
                        Transaction tx = RequestSession.transaction();
                        try (Statement s = tx.connection().createStatement();
                             ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
                            rs.next();
                            response.getWriter().print(tx.target() + " read_only=" + rs.getString(1));
                        }
                    }
                    case "/slow" -> {
                        try (Statement s = RequestSession.connection().createStatement()) {
                            s.execute("SELECT pg_sleep(0.25)");
                        }
                        response.getWriter().print("slow");
                    }
                    default -> response.sendError(404);
                }
            } catch (SQLException | InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    @Test
    void handlerThatSendsError503IsRolledBack() throws Exception {
        HttpResponse<String> response = http.post("/send-error?body=send-error");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(database.notesWith("send-error")).isZero();
    }

    @Test
    void redirectIsSentAfterTheCommit() throws Exception {
        HttpResponse<String> response = http.post("/redirect?body=redirected");

        long visibleNow = database.notesWith("redirected");

        assertThat(response.statusCode()).isEqualTo(302);
        assertThat(response.headers().firstValue("Location")).hasValueSatisfying(location -> assertThat(location).endsWith("/plain"));
        assertThat(visibleNow).isEqualTo(1);
    }

    @Test
    void bodyLargerThanTheBufferIsSentAfterTheCommit() throws Exception {
        HttpResponse<String> response = http.post("/big?body=big");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(BIG);
        assertThat(database.notesWith("big")).isEqualTo(1);
    }

    @Test
    void commitThatFailsWhenTheBodyOutgrowsTheBufferStillGives500() throws Exception {
        HttpResponse<String> response = http.post("/orphan-big");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("could not be saved");
        assertThat(database.children()).isZero();
    }
}
