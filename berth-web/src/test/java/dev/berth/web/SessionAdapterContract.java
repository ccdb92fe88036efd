package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every adapter of {@link SessionMiddleware} must do, tested the same way against each real server on a
 * loopback port, against the real PostgreSQL ({@link TestDatabase}). The contract makes the database, the
 * middleware and the slow-request log capture once per subclass; a subclass starts its framework's server with
 * the same routes ({@code /notes}, {@code /throws}, {@code /unavailable}, {@code /orphan}, {@code /stream} waiting
 * on {@link #streamGate}, {@code /after-start}, {@code /plain}, {@code /where}, {@code /reports/where},
 * {@code /slow}) and adds the tests that only its framework has.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SessionAdapterContract {
    /** The streaming route waits on this between its two lines. */
    volatile CountDownLatch streamGate = new CountDownLatch(0);

    TestDatabase database;
    Http http;
    SlowRequestLogCapture slowLog;

    /**
     * Starts the framework's server on a loopback port with the contract's routes behind {@code middleware}.
     *
     * @return the port it listens on
     */
    abstract int startServer(SessionMiddleware middleware) throws Exception;

    /** Stops the server, if {@link #startServer} got as far as starting it. */
    abstract void stopServer() throws Exception;

    /** Names the database and starts every note body, so the rows of two adapters never meet. */
    abstract String tag();

    /** How the adapter says the response had started when a handler asks for a connection too late. */
    abstract String responseStartedPhrase();

    /** More the adapter promises about a failed commit's 500 body; nothing by default. */
    void assertCommitFailureBody(String body) {
    }

    @BeforeAll
    void start() throws Exception {
        database = new TestDatabase(tag());
        slowLog = new SlowRequestLogCapture();
        SessionMiddleware middleware = SessionMiddleware.builder(database.db)
                .readOnlyWhen((method, path) -> path.startsWith("/reports/"))
                .slowRequestThreshold(Duration.ofMillis(200))
                .requestDeadline(Duration.ofSeconds(10))
                .deadlineHeader("X-Request-Timeout-Ms")
                .build();
        http = new Http(startServer(middleware));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            stopServer();
        } finally {
            if (slowLog != null) {
                slowLog.close();
            }
            if (database != null) {
                database.close();
            }
        }
    }

    /** The "/deadline" route's answer: what is left of the request's deadline, in milliseconds, or "none". */
    static String remainingMillis() {
        return dev.berth.pool.RequestDeadline.remaining().map(left -> Long.toString(left.toMillis())).orElse("none");
    }

    @Test
    void aRequestRunsUnderTheDeadlineItsHeaderGivesCappedByTheSetting() throws Exception {
        long fromHeader = Long.parseLong(http.get("/deadline", "X-Request-Timeout-Ms", "150").body());
        assertThat(fromHeader).isBetween(1L, 150L);
        long fromSetting = Long.parseLong(http.get("/deadline").body());
        assertThat(fromSetting).isBetween(151L, 10_000L);
        long capped = Long.parseLong(http.get("/deadline", "X-Request-Timeout-Ms", "60000").body());
        assertThat(capped).as("a header cannot raise the setting").isBetween(151L, 10_000L);
        long garbled = Long.parseLong(http.get("/deadline", "X-Request-Timeout-Ms", "soon").body());
        assertThat(garbled).as("a value that is no number is ignored").isBetween(151L, 10_000L);
    }

    @Test
    void rowIsCommittedBeforeTheClientSeesThe200() throws Exception {
        String note = tag() + "-committed-first";
        HttpResponse<String> response = http.post("/notes?body=" + note);

        long visibleNow = database.notesWith(note);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("saved " + note);
        assertThat(visibleNow).isEqualTo(1);
    }

    @Test
    void handlerThatThrowsGets500AndItsRowIsRolledBack() throws Exception {
        String note = tag() + "-thrown";
        HttpResponse<String> response = http.post("/throws?body=" + note);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(database.notesWith(note)).isZero();
    }

    @Test
    void handlerThatAnswers503IsRolledBack() throws Exception {
        String note = tag() + "-unavailable";
        HttpResponse<String> response = http.post("/unavailable?body=" + note);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("try later");
        assertThat(database.notesWith(note)).isZero();
    }

    @Test
    void commitThatFailsTurnsTheResponseInto500NeverA2xx() throws Exception {
        HttpResponse<String> response = http.post("/orphan");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("so the handler thinks");
        assertCommitFailureBody(response.body());
        assertThat(database.children()).isZero();
    }

    @Test
    void streamedBodyFlowsWithoutHoldingAConnection() throws Exception {
        String note = tag() + "-streamed";
        streamGate = new CountDownLatch(1);
        try {
            HttpResponse<InputStream> response = http.stream("/stream?body=" + note).get(20, TimeUnit.SECONDS);
            BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(body.readLine()).isEqualTo("first");
            // the handler is parked on the gate, mid-body: its work is committed and its connection is back
            assertThat(database.leased()).isZero();
            assertThat(database.notesWith(note)).isEqualTo(1);

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
        assertThat(response.body()).contains("already ended").contains(responseStartedPhrase())
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
    void concurrentRequestsOnASmallPoolEachSeeTheirOwnCommittedRow() throws Exception {
        int requests = 32;
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests; i++) {
                String body = tag() + "-stress-" + i;
                results.add(clients.submit(() -> {
                    HttpResponse<String> response = http.post("/notes?body=" + body);
                    // invariant: a 200 means the row is already there for anyone to see
                    return response.statusCode() == 200 && database.notesWith(body) == 1;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(database.leased()).isZero();
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
