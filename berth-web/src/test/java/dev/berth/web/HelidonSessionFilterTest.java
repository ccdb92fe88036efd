package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.jdbc.tx.Transaction;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link HelidonSessionFilter} in a real Helidon SE 4 web server on a loopback port, against the real PostgreSQL. */
class HelidonSessionFilterTest extends SessionAdapterContract {

    private WebServer server;

    @Override String tag() { return "helidon"; }
    @Override String responseStartedPhrase() { return "the response started"; }

    @Override
    int startServer(SessionMiddleware middleware) {
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(routing -> routing
                        .addFilter(new HelidonSessionFilter(middleware))
                        .post("/notes", (req, res) -> {
                            String body = req.query().get("body");
                            database.insertNote(RequestSession.connection(), body);
                            res.send("saved " + body);
                        })
                        .post("/throws", (req, res) -> {
                            database.insertNote(RequestSession.connection(), req.query().get("body"));
                            throw new IllegalStateException("the handler failed after writing");
                        })
                        .post("/conflict", (req, res) -> {
                            database.insertNote(RequestSession.connection(), req.query().get("body"));
                            throw new HttpException("the order conflicts with another", Status.CONFLICT_409);
                        })
                        .post("/conflict-rolled-back", HelidonSessionFilter.rollbackOnException((req, res) -> {
                            database.insertNote(RequestSession.connection(), req.query().get("body"));
                            throw new HttpException("the order conflicts with another", Status.CONFLICT_409);
                        }))
                        .post("/unavailable", (req, res) -> {
                            database.insertNote(RequestSession.connection(), req.query().get("body"));
                            res.status(Status.SERVICE_UNAVAILABLE_503).send("try later");
                        })
                        .post("/orphan", (req, res) -> {
                            database.insertOrphan(RequestSession.connection());
                            res.send("saved, or so the handler thinks");
                        })
                        .get("/stream", (req, res) -> {
                            database.insertNote(RequestSession.connection(), req.query().get("body"));
                            try (OutputStream out = res.outputStream()) {   // starts the response: commits, releases
                                out.write("first\n".getBytes(StandardCharsets.UTF_8));
                                out.flush();
                                streamGate.await(20, TimeUnit.SECONDS);
                                out.write("second\n".getBytes(StandardCharsets.UTF_8));
                            }
                        })
                        .get("/after-start", (req, res) -> {
                            try (OutputStream out = res.outputStream()) {
                                String answer;
                                try {
                                    RequestSession.connection();
                                    answer = "a connection after the start";
                                } catch (IllegalStateException expected) {
                                    answer = expected.getMessage();
                                }
                                out.write(answer.getBytes(StandardCharsets.UTF_8));
                            }
                        })
                        .get("/plain", (req, res) -> res.send("no database here"))
                        .get("/deadline", (req, res) -> res.send(SessionAdapterContract.remainingMillis()))
                        .get("/reports/where", HelidonSessionFilterTest::where)
                        .get("/where", HelidonSessionFilterTest::where)
                        .get("/slow", (req, res) -> {
                            try (Statement s = RequestSession.connection().createStatement()) {
                                s.execute("SELECT pg_sleep(0.25)");
                            }
                            res.send("slow");
                        }))
                .build()
                .start();
        return server.port();
    }

    private static void where(ServerRequest req, ServerResponse res) throws Exception {
        Transaction tx = RequestSession.transaction();
        try (Statement s = tx.connection().createStatement(); ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
            rs.next();
            res.send(tx.target() + " read_only=" + rs.getString(1));
        }
    }

    @Override
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void exceptionMappedTo4xxCommitsWhatRanBeforeIt() throws Exception {
        HttpResponse<String> response = http.post("/conflict?body=helidon-409");

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(database.notesWith("helidon-409")).isEqualTo(1);
    }

    @Test
    void rollbackOnExceptionRollsBackAnExceptionMappedTo4xx() throws Exception {
        HttpResponse<String> response = http.post("/conflict-rolled-back?body=helidon-409-rolled-back");

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(database.notesWith("helidon-409-rolled-back")).isZero();
    }
}
