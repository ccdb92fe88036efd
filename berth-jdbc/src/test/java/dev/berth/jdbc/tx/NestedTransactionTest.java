package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static dev.berth.jdbc.tx.TestDatabases.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A transaction inside a transaction is a savepoint. */
class NestedTransactionTest {

    @RegisterExtension
    static final DatabaseFixture PG = DatabaseFixture.of("berth_tx_nested", "id int primary key", "tx-nested", 2);
    private static final String TABLE = PG.table();

    private static void insert(Connection c, int id) throws SQLException {
        update(c, "insert into " + TABLE + " values (" + id + ")");
    }

    private static long rows(int from, int to) throws SQLException {
        return queryLong("select count(*) from " + TABLE + " where id between " + from + " and " + to);
    }

    @Test
    void aFailedNestedTransactionIsUndoneAndTheOuterOneCommitsTheRest() throws SQLException {
        PG.db().transaction(tx -> {
            insert(tx.connection(), 1);
            try {
                PG.db().transaction(inner -> {
                    assertThat(inner.isNested()).isTrue();
                    insert(inner.connection(), 2);
                    insert(inner.connection(), 1);   // duplicate key: the savepoint is rolled back
                    return null;
                });
            } catch (SQLException duplicate) {
                assertThat(duplicate.getSQLState()).isEqualTo("23505");
            }
            insert(tx.connection(), 3);              // the outer transaction is still usable
            return null;
        });
        assertThat(queryLong("select count(*) from " + TABLE + " where id in (1, 3)")).isEqualTo(2);
        assertThat(rows(2, 2)).isZero();
    }

    @Test
    void aSuccessfulNestedTransactionIsReleasedAndCommitsWithTheOuterOne() throws SQLException {
        int result = PG.db().transaction(tx -> {
            insert(tx.connection(), 10);
            return tx.transaction(inner -> {
                insert(inner.connection(), 11);
                return 42;
            });
        });
        assertThat(result).isEqualTo(42);
        assertThat(rows(10, 11)).isEqualTo(2);
    }

    @Test
    void theNestedTransactionUsesTheSameConnection() throws SQLException {
        PG.db().transaction(tx -> {
            long outerPid = queryLong(tx.connection(), "select pg_backend_pid()");
            long innerPid = PG.db().transaction(inner -> queryLong(inner.connection(), "select pg_backend_pid()"));
            assertThat(innerPid).isEqualTo(outerPid);
            return null;
        });
    }

    @Test
    void anOuterFailureAfterASuccessfulNestedOneRollsBackEverything() {
        assertThatThrownBy(() -> PG.db().transaction(tx -> {
            tx.transaction(inner -> {
                insert(inner.connection(), 20);
                return null;
            });
            throw new IllegalStateException("later failure");
        })).hasMessage("later failure");
        assertThat(rowsUnchecked(20, 20)).isZero();
    }

    @Test
    void aNestedRollbackOnlyUndoesOnlyItsOwnWork() throws SQLException {
        PG.db().transaction(tx -> {
            insert(tx.connection(), 30);
            tx.transaction(inner -> {
                insert(inner.connection(), 31);
                inner.setRollbackOnly();
                return null;
            });
            return null;
        });
        assertThat(rows(30, 30)).isEqualTo(1);
        assertThat(rows(31, 31)).isZero();
    }

    @Test
    void aNestedCallAskingForAnotherIsolationLevelFailsClearly() {
        assertThatThrownBy(() -> PG.db().transaction(TransactionOptions.defaults().isolation(Isolation.READ_COMMITTED), tx ->
                PG.db().transaction(TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE), inner -> null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("asked for isolation SERIALIZABLE")
                .hasMessageContaining("inside a READ_COMMITTED transaction")
                .hasMessageContaining("NestedTransactionTest");
    }

    @Test
    void aNestedCallAskingForTheServerDefaultLevelIsCheckedAgainstTheServer() throws SQLException {
        String ok = PG.db().transaction(tx -> PG.db().transaction(TransactionOptions.defaults().isolation(Isolation.READ_COMMITTED),
                inner -> "same level"));
        assertThat(ok).isEqualTo("same level");
        assertThatThrownBy(() -> PG.db().transaction(tx ->
                PG.db().transaction(TransactionOptions.defaults().isolation(Isolation.REPEATABLE_READ), inner -> null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("REPEATABLE_READ");
    }

    @Test
    void aNestedReadWriteTransactionInsideAReadOnlyOneFailsClearly() {
        assertThatThrownBy(() -> PG.db().transaction(TransactionOptions.defaults().readOnly(true), tx -> PG.db().transaction(inner -> null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("read-write transaction cannot run inside a read-only transaction");
    }

    @Test
    void beginInsideAnOpenTransactionGivesASavepointForTryWithResources() throws SQLException {
        PG.db().transaction(tx -> {
            insert(tx.connection(), 40);
            try (Transaction inner = PG.db().begin()) {
                assertThat(inner.isNested()).isTrue();
                insert(inner.connection(), 41);
                // no commit: closing rolls back to the savepoint
            }
            try (Transaction inner = PG.db().begin()) {
                insert(inner.connection(), 42);
                inner.commit();
            }
            return null;
        });
        assertThat(rows(40, 40)).isEqualTo(1);
        assertThat(rows(41, 41)).isZero();
        assertThat(rows(42, 42)).isEqualTo(1);
    }

    private static long rowsUnchecked(int from, int to) {
        try {
            return rows(from, to);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
