package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.jdbc.tx.Transaction;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link HelidonSessionFilter} in a real Helidon SE 4 web server on a loopback port, against the real PostgreSQL. */
class HelidonSessionFilterTest extends SessionAdapterContract {

    private static TestDatabase database;
    private static WebServer server;
    private static Http http;
    private static SlowRequestLogCapture slowLog;

    @Override TestDatabase database() { return database; }
    @Override Http http() { return http; }
    @Override SlowRequestLogCapture slowLog() { return slowLog; }
    @Override String tag() { return "helidon"; }
    @Override String responseStartedPhrase() { return "the response started"; }

    @BeforeAll
    static void startServer() throws Exception {
        database = new TestDatabase("helidon");
        slowLog = new SlowRequestLogCapture();
        SessionMiddleware middleware = SessionMiddleware.builder(database.db)
                .readOnlyWhen((method, path) -> path.startsWith("/reports/"))
                .slowRequestThreshold(Duration.ofMillis(200))
                .build();
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
        http = new Http(server.port());
    }

    private static void where(io.helidon.webserver.http.ServerRequest req, io.helidon.webserver.http.ServerResponse res)
            throws Exception {
        Transaction tx = RequestSession.transaction();
        try (Statement s = tx.connection().createStatement(); ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
            rs.next();
            res.send(tx.target() + " read_only=" + rs.getString(1));
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (slowLog != null) {
            slowLog.close();
        }
        if (database != null) {
            database.close();
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

    @Test
    void handlerThatSends503IsRolledBack() throws Exception {
        HttpResponse<String> response = http.post("/unavailable?body=helidon-unavailable");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("try later");
        assertThat(database.notesWith("helidon-unavailable")).isZero();
    }

}
