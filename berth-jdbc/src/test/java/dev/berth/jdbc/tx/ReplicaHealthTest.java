package dev.berth.jdbc.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.testing.PostgresPair;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The replica health check against a real primary and streaming standby ({@link PostgresPair}, its own pair): a
 * standby whose replay is paused while the primary writes lags, and is taken out of read routing until it catches
 * up; a promoted standby is taken out for good. Skipped, with the reason, where no PostgreSQL binaries are found.
 *
 * <p>The tests run in order: the last one promotes the standby.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ReplicaRoutingTest.NeedsPostgresBinaries.class)
class ReplicaHealthTest {

    private static final TransactionOptions READ_ONLY = TransactionOptions.defaults().readOnly(true);
    private static PostgresPair pair;
    private static Database db;

    @BeforeAll
    static void startPair() throws IOException, SQLException {
        pair = PostgresPair.start();
        execute(pair.primaryConnection(), "create table health (id serial primary key, at timestamptz default now())");
        execute(pair.primaryConnection(), "insert into health default values");
        pair.awaitStandbyCaughtUp();
        db = Database.builder().name("health-test")
                .primaryUrl(pair.primaryUrl())
                .replicaUrl(pair.standbyUrl())
                .replicaCheckInterval(Duration.ofMillis(200))
                .maxReplicaLag(Duration.ofSeconds(1))
                .build();
    }

    @AfterAll
    static void stopPair() {
        if (db != null) {
            db.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (connection; Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    private static String readTarget() throws SQLException {
        return db.transaction(READ_ONLY, Transaction::target);
    }

    private static TargetStats replica() {
        return db.stats().replicas().getFirst();
    }

    /** A logical replica or a read-only copy is never in recovery: it cannot be judged by the check, and stays. */
    @Test
    @Order(0)
    void aReplicaThatIsNoStandbyStaysInRouting() throws SQLException {
        try (Database copy = Database.builder().name("health-copy").primaryUrl(pair.primaryUrl())
                .replicaUrl(pair.primaryUrl()).replicaCheckInterval(Duration.ofMillis(100)).build()) {
            await("the check has asked it several times").atMost(Duration.ofSeconds(10))
                    .until(() -> copy.stats().replicas().getFirst().pool().acquired() >= 3);
            assertThat(copy.stats().replicas().getFirst().healthy()).isTrue();
            assertThat(copy.transaction(READ_ONLY, Transaction::target)).isEqualTo("replica-0");
        }
    }

    @Test
    @Order(1)
    void aHealthyReplicaServesReads() throws SQLException {
        await().atMost(Duration.ofSeconds(10)).until(() -> replica().healthy());
        assertThat(readTarget()).isEqualTo("replica-0");
    }

    @Test
    @Order(2)
    void aLaggingReplicaIsTakenOutUntilItCatchesUp() throws Exception {
        execute(pair.standbyConnection(), "select pg_wal_replay_pause()");
        try {
            execute(pair.primaryConnection(), "insert into health default values"); // received, not replayed

            await("the paused standby falls more than 1 s behind and is taken out").atMost(Duration.ofSeconds(10))
                    .until(() -> !replica().healthy());
            assertThat(replica().lastFailure()).contains("lags").contains("maxReplicaLag 1000 ms");
            assertThat(readTarget()).as("reads go to the primary meanwhile").isEqualTo("primary");
        } finally {
            execute(pair.standbyConnection(), "select pg_wal_replay_resume()");
        }

        await("once it has replayed everything it is back").atMost(Duration.ofSeconds(10)).until(() -> replica().healthy());
        assertThat(readTarget()).isEqualTo("replica-0");
    }

    @Test
    @Order(3)
    void aPromotedReplicaIsTakenOut() throws Exception {
        pair.promoteStandby();

        await("the promoted standby is out of read routing").atMost(Duration.ofSeconds(10)).until(() -> !replica().healthy());
        assertThat(replica().lastFailure()).contains("promoted");
        for (int i = 0; i < 5; i++) {
            assertThat(readTarget()).as("every read goes to the primary").isEqualTo("primary");
        }
    }
}
