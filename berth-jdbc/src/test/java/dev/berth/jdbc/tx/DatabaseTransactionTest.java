package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static dev.berth.jdbc.tx.TestDatabases.queryString;
import static dev.berth.jdbc.tx.TestDatabases.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.TestPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Commit and rollback rules and transaction options, on the real server. */
class DatabaseTransactionTest {

    @RegisterExtension
    static final DatabaseFixture PG = DatabaseFixture.of("berth_tx_rules",
                    "id int primary key, note text, ref int unique deferrable initially deferred", "tx-rules", 2)
            .opening(pool -> Database.builder().primary(pool).defaultRetry(RetryPolicy.none()).build());
    private static final String TABLE = PG.table();

    private static long rows(int id) throws SQLException {
        return queryLong("select count(*) from " + TABLE + " where id = " + id);
    }

    private static void insert(Connection c, int id) throws SQLException {
        update(c, "insert into " + TABLE + " (id) values (" + id + ")");
    }

    @Test
    void normalReturnCommitsAndReturnsTheResult() throws SQLException {
        String result = PG.db().transaction(tx -> {
            insert(tx.connection(), 1);
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(rows(1)).isEqualTo(1);
        assertThat(PG.db().stats().committed()).isPositive();
    }

    @Test
    void aCheckedExceptionRollsBackAndIsRethrownAsItWas() {
        IOException thrown = new IOException("disk full");
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            insert(tx.connection(), 2);
            throw thrown;
        })).isSameAs(thrown);
        assertThat(rowsUnchecked(2)).isZero();
    }

    @Test
    void aRuntimeExceptionRollsBack() {
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            insert(tx.connection(), 3);
            throw new IllegalStateException("bad input");
        })).isInstanceOf(IllegalStateException.class).hasMessage("bad input");
        assertThat(rowsUnchecked(3)).isZero();
    }

    @Test
    void anErrorRollsBackToo() {
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            insert(tx.connection(), 4);
            throw new AssertionError("invariant broken");
        })).isInstanceOf(AssertionError.class);
        assertThat(rowsUnchecked(4)).isZero();
    }

    @Test
    void aCommitTheServerRefusesIsTheCallsErrorNotASuccess() throws SQLException {
        PG.db().transaction(tx -> {
            update(tx.connection(), "insert into " + TABLE + " (id, ref) values (50, 7)");
            return null;
        });
        // the unique constraint is deferred: the statement succeeds, COMMIT fails with 23505
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            update(tx.connection(), "insert into " + TABLE + " (id, ref) values (51, 7)");
            return "looked fine";
        })).isInstanceOf(SQLException.class).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
        assertThat(rows(51)).isZero();
    }

    @Test
    void workThatSwallowedAFailedStatementCannotCommitSilently() throws SQLException {
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            insert(tx.connection(), 60);
            try {
                update(tx.connection(), "select 1/0");
            } catch (SQLException ignored) {
                // the work goes on as if nothing happened: PostgreSQL has aborted the transaction
            }
            return "looked fine";
        })).isInstanceOf(SQLException.class)
                .hasMessageContaining("a statement in it failed earlier")
                .hasMessageContaining("DatabaseTransactionTest")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
        assertThat(rows(60)).isZero();
    }

    @Test
    void anInterruptedThreadDoesNotCommit() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                PG.db().transaction(tx -> {
                    insert(tx.connection(), 65);
                    Thread.currentThread().interrupt();   // e.g. the task was cancelled while the work ran
                    return "looked fine";
                });
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        assertThat(outcome.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(SQLException.class)
                .hasMessageContaining("interrupted before COMMIT")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
        assertThat(rows(65)).isZero();
    }

    @Test
    void setRollbackOnlyReturnsTheResultButKeepsNothing() throws SQLException {
        long counted = PG.db().transaction(tx -> {
            insert(tx.connection(), 70);
            tx.setRollbackOnly();
            return queryLong(tx.connection(), "select count(*) from " + TABLE + " where id = 70");
        });
        assertThat(counted).isEqualTo(1);
        assertThat(rows(70)).isZero();
    }

    @Test
    void commitingByHandInsideManagedWorkIsRefused() {
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            tx.commit();
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("commits when the work returns");
    }

    @Test
    void eachIsolationLevelIsTheOneInForce() throws SQLException {
        for (Isolation level : Isolation.values()) {
            String seen = PG.db().transaction(TransactionOptions.defaults().isolation(level),
                    tx -> queryString(tx.connection(), "select current_setting('transaction_isolation')"));
            assertThat(seen).isEqualToIgnoringCase(level.sql());
        }
    }

    @Test
    void aDataSourceConfiguredForTheLevelGetsItWithoutSetTransactionAndOtherLevelsStillApply() throws SQLException {
        try (BerthDataSource serializableByDefault = BerthDataSource.builder().jdbcUrl(TestPostgres.jdbcUrl())
                .username(TestPostgres.user()).poolName("tx-configured").maximumPoolSize(1)
                .transactionIsolation("TRANSACTION_SERIALIZABLE").build();
             Database configured = Database.of(serializableByDefault)) {
            String isolationQuery = "select current_setting('transaction_isolation')";
            for (int i = 0; i < 2; i++) {   // the first call starts the pool, the second knows its configuration
                String asked = configured.transaction(TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE),
                        tx -> queryString(tx.connection(), isolationQuery));
                String other = configured.transaction(TransactionOptions.defaults().isolation(Isolation.READ_COMMITTED),
                        tx -> queryString(tx.connection(), isolationQuery));
                assertThat(asked).isEqualTo("serializable");
                assertThat(other).isEqualTo("read committed");
            }
        }
    }

    @Test
    void isolationDoesNotLeakIntoTheNextTransactionOnTheSameConnection() throws SQLException {
        try (BerthDataSource single = TestDatabases.dataSource("tx-leak", 1); Database one = Database.of(single)) {
            one.transaction(TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE).readOnly(true)
                    .statementTimeout(Duration.ofMillis(1234)), tx -> null);
            String after = one.transaction(tx -> queryString(tx.connection(),
                    "select current_setting('transaction_isolation') || ',' || current_setting('transaction_read_only')"
                            + " || ',' || current_setting('statement_timeout')"));
            assertThat(after).isEqualTo("read committed,off,0");
        }
    }

    @Test
    void aReadOnlyTransactionRefusesWrites() {
        assertThatThrownBy(() -> PG.db().transaction(TransactionOptions.defaults().readOnly(true), tx -> {
            insert(tx.connection(), 80);
            return null;
        })).isInstanceOf(SQLException.class).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
    }

    @Test
    void aDeferrableSerializableReadOnlyTransactionIsDeferrable() throws SQLException {
        String deferrable = PG.db().transaction(TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE).readOnly(true).deferrable(true),
                tx -> queryString(tx.connection(), "select current_setting('transaction_deferrable')"));
        assertThat(deferrable).isEqualTo("on");
    }

    @Test
    void aStatementTimeoutCancelsASlowStatementAndIsNotRetried() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> PG.db().transaction(TransactionOptions.defaults().statementTimeout(Duration.ofMillis(200))
                        .retry(RetryPolicy.defaults()),
                tx -> queryLong(tx.connection(), "select count(*) from pg_sleep(30)")))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"))
                .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void worksOnAnyDataSource() throws SQLException {
        try (HikariDataSource hikari = new HikariDataSource()) {
            hikari.setJdbcUrl(TestPostgres.jdbcUrl());
            hikari.setUsername(TestPostgres.user());
            hikari.setMaximumPoolSize(1);
            Database other = Database.of(hikari);
            other.transaction(tx -> {
                insert(tx.connection(), 90);
                return null;
            });
            assertThat(rows(90)).isEqualTo(1);
            assertThat(other.stats().primary().pool()).isNull();
            assertThat(other.stats().committed()).isEqualTo(1);
        }
    }

    @Test
    void statsShowThePrimaryPool() throws SQLException {
        PG.db().transaction(tx -> null);
        TargetStats primary = PG.db().stats().primary();
        assertThat(primary.name()).isEqualTo("primary");
        assertThat(primary.pool()).isNotNull();
        assertThat(primary.pool().name()).startsWith("tx-rules");
        assertThat(primary.pool().acquired()).isPositive();
        assertThat(primary.served()).isPositive();
    }

    @Test
    void aClosedDatabaseRefusesWorkButLeavesAPassedInDataSourceOpen() throws SQLException {
        Database closed = Database.of(PG.dataSource());
        closed.close();
        assertThatThrownBy(() -> closed.transaction(tx -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThat(PG.dataSource().isClosed()).isFalse();
    }

    private static long rowsUnchecked(int id) {
        try {
            return rows(id);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
