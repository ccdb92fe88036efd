package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.jdbc.Transaction;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link HelidonSessionFilter} in a real Helidon SE 4 web server on a loopback port, against the real PostgreSQL. */
class HelidonSessionFilterTest {

    private static TestDatabase database;
    private static WebServer server;
    private static Http http;
    private static SlowRequestLogCapture slowLog;
    private static volatile CountDownLatch streamGate = new CountDownLatch(0);

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
    void rowIsCommittedBeforeTheClientSeesThe200() throws Exception {
        HttpResponse<String> response = http.post("/notes?body=helidon-committed-first");

        long visibleNow = database.notesWith("helidon-committed-first");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("saved helidon-committed-first");
        assertThat(visibleNow).isEqualTo(1);
    }

    @Test
    void handlerThatThrowsGets500AndItsRowIsRolledBack() throws Exception {
        HttpResponse<String> response = http.post("/throws?body=helidon-thrown");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(database.notesWith("helidon-thrown")).isZero();
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

    @Test
    void commitThatFailsTurnsTheResponseInto500NeverA2xx() throws Exception {
        HttpResponse<String> response = http.post("/orphan");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("so the handler thinks");
        assertThat(database.children()).isZero();
    }

    @Test
    void streamedBodyFlowsWithoutHoldingAConnection() throws Exception {
        streamGate = new CountDownLatch(1);
        try {
            HttpResponse<InputStream> response = http.stream("/stream?body=helidon-streamed").get(20, TimeUnit.SECONDS);
            BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(body.readLine()).isEqualTo("first");
            // the handler is parked on the gate, mid-body: its work is committed and its connection is back
            assertThat(database.leased()).isZero();
            assertThat(database.notesWith("helidon-streamed")).isEqualTo(1);

            streamGate.countDown();
            assertThat(body.readLine()).isEqualTo("second");
            assertThat(body.readLine()).isNull();
        } finally {
            streamGate.countDown();
        }
    }

    @Test
    void connectionAfterTheResponseStartedFailsWithAClearError() throws Exception {
        HttpResponse<String> response = http.get("/after-start");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("already ended").contains("the response started")
                .contains("do the database work before the response starts");
    }

    @Test
    void requestThatNeverTouchesTheDatabaseTakesNoConnection() throws Exception {
        long acquiredBefore = database.acquired();

        HttpResponse<String> response = http.get("/plain");

        assertThat(response.body()).isEqualTo("no database here");
        assertThat(database.acquired()).isEqualTo(acquiredBefore);
    }

    @Test
    void readOnlyRouteRunsAReadOnlyTransactionOnTheReplica() throws Exception {
        assertThat(http.get("/reports/where").body()).isEqualTo("replica-0 read_only=on");
        assertThat(http.get("/where").body()).isEqualTo("primary read_only=off");
    }

    @Test
    void slowRequestIsLoggedWithItsConnectionWaitAndHoldTimes() throws Exception {
        HttpResponse<String> response = http.get("/slow");

        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !slowLog.linesAbout("/slow").isEmpty());
        assertThat(slowLog.linesAbout("/slow")).singleElement().asString()
                .startsWith("slow request: GET /slow -> 200 in ")
                .containsPattern("connection: waited [0-9.]+ ms, held [0-9]{3,} ms; committed");
    }
}
