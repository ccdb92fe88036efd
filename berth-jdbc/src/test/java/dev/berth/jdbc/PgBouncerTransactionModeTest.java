package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.PgBouncer;
import dev.berth.testing.TestPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * berth behind PgBouncer in transaction pooling mode with its profile ({@code pgBouncerTransactionMode}). There a
 * berth connection is a PgBouncer client, and each of its transactions may run on another server session, so
 * "the next borrower does not see it" holds for what a borrower leaves in its transaction (rolled back on return);
 * session state is not promised through a transaction pooler at all (see docs/pgbouncer.md). Needs the local
 * PostgreSQL on 127.0.0.1:5432 and Debian's pgbouncer ({@link PgBouncer}); skipped with the reason otherwise.
 */
class PgBouncerTransactionModeTest {

    private static final String PS = "SELECT ?::int * 2";
    private static PgBouncer bouncer;

    @BeforeAll
    static void startPgBouncer() throws IOException, SQLException {
        assumeTrue(PgBouncer.unavailableReason() == null, PgBouncer.unavailableReason());
        assumeTrue(!TestPostgres.embedded(), "PgBouncer is put in front of the local PostgreSQL on 127.0.0.1:5432");
        bouncer = PgBouncer.transactionPooling("127.0.0.1", 5432, 2);
        try (Connection c = TestPostgres.plainConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists berth_bouncer_rows (id text primary key)");
        }
    }

    @AfterAll
    static void stopPgBouncer() {
        if (bouncer != null) {
            bouncer.close();
        }
    }

    private static BerthDataSourceBuilder throughPgBouncer(int size) {
        return BerthDataSource.builder()
                .jdbcUrl(bouncer.jdbcUrl("test"))
                .username(TestPostgres.user())
                .poolName("pgbouncer-" + UUID.randomUUID().toString().substring(0, 8))
                .maximumPoolSize(size);
    }

    /**
     * Runs {@link #PS} on {@code a} past pgjdbc's prepareThreshold, then pins the server session that ran it with an
     * open transaction on {@code b} (PgBouncer hands out the most recently released server first), and runs it on
     * {@code a} again: that execution reaches the other server session.
     */
    private static void preparedStatementMovesToAnotherServer(Connection a, Connection b) throws SQLException {
        for (int i = 0; i < 6; i++) {
            assertThat(twice(a, i)).isEqualTo(2 * i);
        }
        b.setAutoCommit(false);
        try (Statement s = b.createStatement()) {
            s.execute("SELECT 1"); // BEGIN + SELECT: b now holds a server session until it ends its transaction
        }
        try {
            assertThat(twice(a, 21)).isEqualTo(42);
        } finally {
            b.rollback();
        }
    }

    private static int twice(Connection c, int value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PS)) {
            ps.setInt(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void withTheProfilePreparedStatementsWorkOnWhicheverServerSessionRunsThem() throws SQLException {
        try (BerthDataSource db = throughPgBouncer(2).pgBouncerTransactionMode(true).build();
             Connection a = db.getConnection();
             Connection b = db.getConnection()) {
            preparedStatementMovesToAnotherServer(a, b);
        }
    }

    @Test
    void withoutTheProfileAServerPreparedStatementIsMissingOnTheOtherServerSession() throws SQLException {
        // the control: what the profile's prepareThreshold=0 prevents. The statement named S_n is missing where the
        // execution lands, or the other client's S_n already exists there (seen: its ROLLBACK, which pgjdbc prepares too)
        try (BerthDataSource db = throughPgBouncer(2).sessionReset(SessionReset.JDBC).build();
             Connection a = db.getConnection();
             Connection b = db.getConnection()) {
            assertThatThrownBy(() -> preparedStatementMovesToAnotherServer(a, b))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("prepared statement \"S_")
                    .hasMessageMatching("(?s).*(does not exist|already exists).*");
        }
    }

    @Test
    void aTransactionLeftOpenIsRolledBackAndNothingOfItReachesTheNextBorrower() throws SQLException {
        String id = UUID.randomUUID().toString();
        long lockKey = 8_000_000_000L + (System.nanoTime() & 0xffff);
        try (BerthDataSource db = throughPgBouncer(1).pgBouncerTransactionMode(true).build()) {
            assertThat(db.getSessionReset()).isEqualTo(SessionReset.JDBC);
            try (Connection first = db.getConnection(); Statement s = first.createStatement()) {
                first.setAutoCommit(false);
                s.execute("INSERT INTO berth_bouncer_rows VALUES ('" + id + "')");
                s.execute("SET LOCAL work_mem = '77MB'");
                s.execute("SELECT pg_advisory_xact_lock(" + lockKey + ")");
            } // closed without commit
            try (Connection next = db.getConnection(); Statement s = next.createStatement();
                 Connection observer = TestPostgres.plainConnection(); Statement o = observer.createStatement()) {
                assertThat(next.getAutoCommit()).isTrue();
                try (ResultSet rs = s.executeQuery("SELECT count(*), current_setting('work_mem') <> '77MB'"
                        + " FROM berth_bouncer_rows WHERE id = '" + id + "'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("the row of the rolled-back transaction").isZero();
                    assertThat(rs.getBoolean(2)).as("SET LOCAL ended with it").isTrue();
                }
                try (ResultSet rs = o.executeQuery("SELECT pg_try_advisory_lock(" + lockKey + ")")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).as("the transaction's advisory lock is free").isTrue();
                }
            }
        }
    }

    @Test
    void aTransactionBegunWithBeginIsRolledBackToo() throws SQLException {
        String id = UUID.randomUUID().toString();
        try (BerthDataSource db = throughPgBouncer(1).pgBouncerTransactionMode(true).build()) {
            try (Connection first = db.getConnection(); Statement s = first.createStatement()) {
                s.execute("BEGIN");
                s.execute("INSERT INTO berth_bouncer_rows VALUES ('" + id + "')");
            }
            // were the transaction still open, the next borrower would be inside it and see its row
            try (Connection next = db.getConnection(); Statement s = next.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM berth_bouncer_rows WHERE id = '" + id + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }
}
