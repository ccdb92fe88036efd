package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static dev.berth.jdbc.tx.TestDatabases.queryString;
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
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Read-only transactions on a real streaming replica: a PostgreSQL primary and a hot standby started for this
 * test ({@link PostgresPair}; skipped with the reason when the machine has no PostgreSQL binaries). Whether a
 * read ran on the standby is asked of the connection that served it: {@code pg_is_in_recovery()}.
 *
 * <p>The tests run in order: the last ones stop and restart the standby.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ReplicaRoutingTest.NeedsPostgresBinaries.class)
class ReplicaRoutingTest {

    /** Skips the class, with the reason, on machines where no primary/standby pair can be started. */
    static final class NeedsPostgresBinaries implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String reason = PostgresPair.unavailableReason();
            if (reason == null) {
                return ConditionEvaluationResult.enabled("PostgreSQL binaries found");
            }
            System.err.println("ReplicaRoutingTest skipped: " + reason);
            return ConditionEvaluationResult.disabled("replica tests skipped: " + reason);
        }
    }

    private static final TransactionOptions READ_ONLY = TransactionOptions.defaults().readOnly(true);
    private static PostgresPair cluster;
    private static Database db;

    @BeforeAll
    static void startCluster() throws IOException, SQLException {
        cluster = PostgresPair.start();
        try (Connection primary = cluster.primaryConnection(); Statement s = primary.createStatement()) {
            s.execute("create table accounts (id int primary key, balance bigint not null)");
            s.execute("insert into accounts select g, 100 from generate_series(1, 10) g");
        }
        cluster.awaitStandbyCaughtUp();
        db = Database.builder().name("replica-test")
                .primaryUrl(cluster.primaryUrl())
                .replicaUrl(cluster.standbyUrl())
                .replicaRecheckAfter(Duration.ofMillis(300))
                .build();
    }

    @AfterAll
    static void stopCluster() {
        if (db != null) {
            db.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Runs a read-only transaction; returns "target:in_recovery:sum of balances". */
    private static String readOnlyProbe(Database database, TransactionOptions options) throws SQLException {
        return database.transaction(options, tx -> tx.target() + ":"
                + queryString(tx.connection(), "select pg_is_in_recovery()::text") + ":"
                + queryLong(tx.connection(), "select sum(balance) from accounts"));
    }

    @Test
    @Order(1)
    void readOnlyTransactionsRunOnTheStandby() throws SQLException {
        assertThat(readOnlyProbe(db, READ_ONLY)).isEqualTo("replica-0:true:1000");
        assertThat(readOnlyProbe(db, READ_ONLY.isolation(Isolation.REPEATABLE_READ))).isEqualTo("replica-0:true:1000");
        TargetStats replica = db.stats().replicas().getFirst();
        assertThat(replica.served()).isGreaterThanOrEqualTo(2);
        assertThat(replica.healthy()).isTrue();
        assertThat(replica.pool()).isNotNull();
        assertThat(replica.pool().name()).isEqualTo("replica-test-replica-0");
        assertThat(replica.pool().acquired()).isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(2)
    void writesGoToThePrimaryAndReachTheStandby() throws SQLException {
        String where = db.transaction(tx -> {
            try (Statement s = tx.connection().createStatement()) {
                s.executeUpdate("update accounts set balance = balance + 1 where id = 1");
            }
            return tx.target() + ":" + queryString(tx.connection(), "select pg_is_in_recovery()::text");
        });
        assertThat(where).isEqualTo("primary:false");
        cluster.awaitStandbyCaughtUp();
        assertThat(readOnlyProbe(db, READ_ONLY)).isEqualTo("replica-0:true:1001");
        assertThat(db.stats().primary().pool().name()).isEqualTo("replica-test-primary");
    }

    @Test
    @Order(3)
    void serializableReadOnlyWorkRunsOnThePrimaryBecauseAStandbyRefusesIt() throws SQLException {
        assertThat(readOnlyProbe(db, READ_ONLY.isolation(Isolation.SERIALIZABLE))).startsWith("primary:false:");
    }

    @Test
    @Order(4)
    void readsAreSpreadOverTheReplicas() throws SQLException {
        try (Database two = Database.builder().primaryUrl(cluster.primaryUrl())
                .replicaUrl(cluster.standbyUrl())
                .replicaUrl(cluster.standbyUrl())
                .replicaCheckInterval(Duration.ZERO) // every acquire below is a read's (ReplicaHealthTest has the checks)
                .build()) {
            for (int i = 0; i < 10; i++) {
                assertThat(readOnlyProbe(two, READ_ONLY)).contains(":true:");
            }
            assertThat(two.stats().replicas()).extracting(TargetStats::served).containsExactly(5L, 5L);
            assertThat(two.stats().replicas()).allSatisfy(r -> assertThat(r.pool().acquired()).isEqualTo(5));
            assertThat(two.stats().primary().served()).isZero();
        }
    }

    @Test
    @Order(5)
    void readsFallBackToThePrimaryWhenTheStandbyIsStopped() throws Exception {
        assertThat(readOnlyProbe(db, READ_ONLY)).startsWith("replica-0:true:");   // a pooled standby connection exists
        cluster.stopStandby();
        assertThat(readOnlyProbe(db, READ_ONLY)).startsWith("primary:false:");
        assertThat(readOnlyProbe(db, READ_ONLY)).startsWith("primary:false:");
        DatabaseStats stats = db.stats();
        assertThat(stats.replicaFallbacks()).isGreaterThanOrEqualTo(2);
        assertThat(stats.replicas().getFirst().healthy()).isFalse();
        assertThat(stats.replicas().getFirst().lastFailure()).isNotBlank();
        assertThat(stats.replicas().getFirst().failures()).isPositive();
    }

    @Test
    @Order(6)
    void readsReturnToTheStandbyOnceItIsBack() throws Exception {
        cluster.startStandby();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> readOnlyProbe(db, READ_ONLY).startsWith("replica-0:true:"));
        assertThat(db.stats().replicas().getFirst().healthy()).isTrue();
    }
}
