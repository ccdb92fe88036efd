package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every adapter of {@link SessionMiddleware} must do, tested the same way against each real server on a
 * loopback port. A subclass starts its server with the same routes ({@code /notes}, {@code /throws}, {@code /orphan},
 * {@code /stream} waiting on {@link #streamGate}, {@code /after-start}, {@code /plain}, {@code /where},
 * {@code /reports/where}, {@code /slow}) and adds the tests that only its framework has.
 */
abstract class SessionAdapterContract {
    /** The streaming route waits on this between its two lines. */
    static volatile CountDownLatch streamGate = new CountDownLatch(0);

    abstract TestDatabase database();

    abstract Http http();

    abstract SlowRequestLogCapture slowLog();

    /** Starts every note body, so the rows of two adapters never meet in the shared table. */
    abstract String tag();

    /** How the adapter says the response had started when a handler asks for a connection too late. */
    abstract String responseStartedPhrase();

    /** More the adapter promises about a failed commit's 500 body; nothing by default. */
    void assertCommitFailureBody(String body) {
    }

    @Test
    void rowIsCommittedBeforeTheClientSeesThe200() throws Exception {
        String note = tag() + "-committed-first";
        HttpResponse<String> response = http().post("/notes?body=" + note);

        long visibleNow = database().notesWith(note);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("saved " + note);
        assertThat(visibleNow).isEqualTo(1);
    }

    @Test
    void handlerThatThrowsGets500AndItsRowIsRolledBack() throws Exception {
        String note = tag() + "-thrown";
        HttpResponse<String> response = http().post("/throws?body=" + note);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(database().notesWith(note)).isZero();
    }

    @Test
    void commitThatFailsTurnsTheResponseInto500NeverA2xx() throws Exception {
        HttpResponse<String> response = http().post("/orphan");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("so the handler thinks");
        assertCommitFailureBody(response.body());
        assertThat(database().children()).isZero();
    }

    @Test
    void streamedBodyFlowsWithoutHoldingAConnection() throws Exception {
        String note = tag() + "-streamed";
        streamGate = new CountDownLatch(1);
        try {
            HttpResponse<InputStream> response = http().stream("/stream?body=" + note).get(20, TimeUnit.SECONDS);
            BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(body.readLine()).isEqualTo("first");
            // the handler is parked on the gate, mid-body: its work is committed and its connection is back
            assertThat(database().leased()).isZero();
            assertThat(database().notesWith(note)).isEqualTo(1);

            streamGate.countDown();
            assertThat(body.readLine()).isEqualTo("second");
            assertThat(body.readLine()).isNull();
        } finally {
            streamGate.countDown();
        }
    }

    @Test
    void connectionAfterTheResponseStartedFailsWithAClearError() throws Exception {
        HttpResponse<String> response = http().get("/after-start");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("already ended").contains(responseStartedPhrase())
                .contains("do the database work before the response starts");
    }

    @Test
    void requestThatNeverTouchesTheDatabaseTakesNoConnection() throws Exception {
        long acquiredBefore = database().acquired();

        HttpResponse<String> response = http().get("/plain");

        assertThat(response.body()).isEqualTo("no database here");
        assertThat(database().acquired()).isEqualTo(acquiredBefore);
    }

    @Test
    void readOnlyRouteRunsAReadOnlyTransactionOnTheReplica() throws Exception {
        assertThat(http().get("/reports/where").body()).isEqualTo("replica-0 read_only=on");
        assertThat(http().get("/where").body()).isEqualTo("primary read_only=off");
    }

    @Test
    void slowRequestIsLoggedWithItsConnectionWaitAndHoldTimes() throws Exception {
        HttpResponse<String> response = http().get("/slow");

        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !slowLog().linesAbout("/slow").isEmpty());
        assertThat(slowLog().linesAbout("/slow")).singleElement().asString()
                .startsWith("slow request: GET /slow -> 200 in ")
                .containsPattern("connection: waited [0-9.]+ ms, held [0-9]{3,} ms; committed");
    }
}
