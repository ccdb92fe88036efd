package dev.berth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.web.RequestTiming.Outcome;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The framework-neutral core ({@link SessionMiddleware#handle}) against the real PostgreSQL. */
class SessionMiddlewareTest {

    private static TestDatabase database;
    private static SessionMiddleware middleware;
    private static final List<RequestTiming> timings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void openDatabase() throws Exception {
        database = new TestDatabase("core");
        middleware = SessionMiddleware.builder(database.db)
                .readOnlyWhen((method, path) -> method.equals("GET"))
                .slowRequestThreshold(Duration.ZERO)   // every request reaches the listener
                .onSlowRequest(timings::add)
                .build();
    }

    @AfterAll
    static void closeDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    private static RequestTiming timingOf(String path) {
        return timings.stream().filter(t -> t.path().equals(path)).reduce((first, second) -> second).orElseThrow();
    }

    @Test
    void requestSessionOutsideARequestFailsWithAClearError() {
        assertThat(RequestSession.inRequest()).isFalse();
        assertThatThrownBy(RequestSession::connection)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside an HTTP request handled by berth's middleware")
                .hasMessageContaining("SessionFilter")
                .hasMessageContaining("Database.transaction(work)");
        assertThatThrownBy(RequestSession::setRollbackOnly).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void handlerThatReturns2xxIsCommittedBeforeHandleReturns() throws Exception {
        int status = middleware.handle("POST", "/core/commit", () -> {
            database.insertNote(RequestSession.connection(), "core-commit");
            return 201;
        });

        assertThat(status).isEqualTo(201);
        assertThat(database.notesWith("core-commit")).isEqualTo(1);
        assertThat(database.leased()).isZero();
        assertThat(timingOf("/core/commit").outcome()).isEqualTo(Outcome.COMMITTED);
    }

    @Test
    void handlerThatThrowsIsRolledBackAndItsExceptionGoesOn() throws Exception {
        IllegalStateException failure = new IllegalStateException("handler failed");

        assertThatThrownBy(() -> middleware.handle("POST", "/core/throw", () -> {
            database.insertNote(RequestSession.connection(), "core-throw");
            throw failure;
        })).isSameAs(failure);

        assertThat(database.notesWith("core-throw")).isZero();
        assertThat(database.leased()).isZero();
        assertThat(timingOf("/core/throw").outcome()).isEqualTo(Outcome.ROLLED_BACK);
    }

    @Test
    void handlerThatReturns5xxIsRolledBack() throws Exception {
        int status = middleware.handle("POST", "/core/503", () -> {
            database.insertNote(RequestSession.connection(), "core-503");
            return 503;
        });

        assertThat(status).isEqualTo(503);
        assertThat(database.notesWith("core-503")).isZero();
    }

    @Test
    void rollbackOnlyRollsBackA2xx() throws Exception {
        int status = middleware.handle("POST", "/core/rollback-only", () -> {
            database.insertNote(RequestSession.connection(), "core-rollback-only");
            RequestSession.setRollbackOnly();
            return 200;
        });

        assertThat(status).isEqualTo(200);
        assertThat(database.notesWith("core-rollback-only")).isZero();
    }

    @Test
    void commitThatFailsTurnsTheStatusInto500() throws Exception {
        int status = middleware.handle("POST", "/core/orphan", () -> {
            database.insertOrphan(RequestSession.connection());
            return 200;
        });

        assertThat(status).isEqualTo(500);
        assertThat(database.children()).isZero();
        assertThat(database.leased()).isZero();
        assertThat(timingOf("/core/orphan").outcome()).isEqualTo(Outcome.COMMIT_FAILED);
        assertThat(timingOf("/core/orphan").status()).isEqualTo(500);
    }

    @Test
    void requestThatNeverAsksTakesNoConnection() throws Exception {
        long acquiredBefore = database.acquired();

        int status = middleware.handle("POST", "/core/no-db", () -> 204);

        assertThat(status).isEqualTo(204);
        assertThat(database.acquired()).isEqualTo(acquiredBefore);
        RequestTiming timing = timingOf("/core/no-db");
        assertThat(timing.outcome()).isEqualTo(Outcome.NO_CONNECTION);
        assertThat(timing.connectionHold()).isZero();
        assertThat(timing.toString()).contains("(connection: none; no connection)");
    }

    @Test
    void oneRequestLeasesOneConnectionHoweverOftenItAsks() throws Exception {
        long acquiredBefore = database.acquired();

        middleware.handle("POST", "/core/twice", () -> {
            Connection first = RequestSession.connection();
            assertThat(RequestSession.connection()).isSameAs(first);
            return 200;
        });

        assertThat(database.acquired()).isEqualTo(acquiredBefore + 1);
    }

    @Test
    void readOnlyRouteGetsAReadOnlyTransaction() throws Exception {
        middleware.handle("GET", "/core/read", () -> {
            assertThat(RequestSession.transaction().options().readOnly()).isTrue();
            return 200;
        });
        middleware.handle("POST", "/core/write", () -> {
            assertThat(RequestSession.transaction().options().readOnly()).isFalse();
            return 200;
        });
    }

    @Test
    void timingSeparatesTheWaitForAConnectionFromHoldingIt() throws Exception {
        Connection first = database.primary.getConnection();
        Connection second = database.primary.getConnection();   // the primary pool (2) is now empty
        long blockedSince;
        long releasedAt;
        CompletableFuture<Integer> request;
        try {
            request = CompletableFuture.supplyAsync(() -> {
                try {
                    return middleware.handle("POST", "/core/starved", () -> {
                        try (Statement s = RequestSession.connection().createStatement()) {
                            s.execute("SELECT pg_sleep(0.05)");
                        }
                        return 200;
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable));
            await().atMost(Duration.ofSeconds(5)).until(() -> database.primary.stats().waiting() == 1);
            blockedSince = System.nanoTime();
        } finally {
            first.close();
            releasedAt = System.nanoTime();
            second.close();
        }

        assertThat(request.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        RequestTiming timing = timingOf("/core/starved");
        assertThat(timing.connectionWait()).isGreaterThanOrEqualTo(Duration.ofNanos(releasedAt - blockedSince));
        assertThat(timing.connectionHold()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(timing.total()).isGreaterThanOrEqualTo(timing.connectionWait().plus(timing.connectionHold()));
    }

    @Test
    void timingLineNamesMethodPathStatusAndTimes() {
        RequestTiming timing = new RequestTiming("GET", "/orders", 200, Duration.ofMillis(812), Duration.ofMillis(640),
                Duration.ofMillis(150), Outcome.COMMITTED);

        assertThat(timing).hasToString("GET /orders -> 200 in 812 ms (connection: waited 640 ms, held 150 ms; committed)");
    }

    @Test
    void requestFasterThanTheThresholdIsNotReported() throws Exception {
        List<RequestTiming> reported = new CopyOnWriteArrayList<>();
        SessionMiddleware patient = SessionMiddleware.builder(database.db)
                .slowRequestThreshold(Duration.ofHours(1))
                .onSlowRequest(reported::add)
                .build();

        patient.handle("POST", "/core/fast", () -> {
            database.insertNote(RequestSession.connection(), "core-fast");
            return 200;
        });

        assertThat(database.notesWith("core-fast")).isEqualTo(1);
        assertThat(reported).isEmpty();
    }

    @Test
    void connectionTimeOfUnitsOfWorkOutsideTheSessionIsReportedWithTheRequest() throws Exception {
        middleware.handle("POST", "/core/own-transaction", () -> {
            long asked = System.nanoTime();
            long[] leased = new long[1];
            database.db.transaction(tx -> {
                leased[0] = System.nanoTime();
                database.insertNote(tx.connection(), "core-own");
                return null;
            });
            long done = System.nanoTime();
            RequestSession.addConnectionTime(Duration.ofNanos(leased[0] - asked), Duration.ofNanos(done - leased[0]));
            RequestSession.addConnectionTime(Duration.ofMillis(3), Duration.ofMillis(40)); // a second unit
            return 201;
        });

        RequestTiming timing = timingOf("/core/own-transaction");
        assertThat(database.notesWith("core-own")).isEqualTo(1);
        assertThat(timing.outcome()).isEqualTo(Outcome.NO_CONNECTION);
        assertThat(timing.connectionWait()).isGreaterThanOrEqualTo(Duration.ofMillis(3));
        assertThat(timing.connectionHold()).isGreaterThan(Duration.ofMillis(40));
        assertThat(timing.toString()).contains("(connection: waited ").doesNotContain("connection: none");
        assertThatThrownBy(() -> RequestSession.addConnectionTime(Duration.ofMillis(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        RequestSession.addConnectionTime(Duration.ofMillis(1), Duration.ofMillis(1)); // outside a request: nothing happens
    }

    @Test
    void negativeSlowThresholdIsRefused() {
        assertThatThrownBy(() -> SessionMiddleware.builder(database.db).slowRequestThreshold(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slowRequestThreshold must be zero or more");
    }
}
