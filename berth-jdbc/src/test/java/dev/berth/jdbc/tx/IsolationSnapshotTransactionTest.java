package dev.berth.jdbc.tx;

import static dev.berth.jdbc.tx.TestDatabases.execute;
import static dev.berth.jdbc.tx.TestDatabases.queryLong;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What each isolation level sees when another session commits in the middle of a transaction: REPEATABLE READ
 * keeps its snapshot, READ COMMITTED sees the new value at its next statement.
 */
class IsolationSnapshotTransactionTest {

    @RegisterExtension
    static final DatabaseFixture PG = DatabaseFixture.of("berth_tx_snapshot", "id int primary key, value int not null", "tx-snapshot", 2);
    private static final String TABLE = PG.table();

    /** Reads the row, lets another session change and commit it, reads again: returns both reads. */
    private static List<Long> readChangeRead(Isolation level, int id) throws SQLException {
        execute("insert into " + TABLE + " values (" + id + ", 1)");
        return PG.db().transaction(TransactionOptions.defaults().isolation(level), tx -> {
            long first = queryLong(tx.connection(), "select value from " + TABLE + " where id = " + id);
            execute("update " + TABLE + " set value = 2 where id = " + id);   // another session, committed
            long second = queryLong(tx.connection(), "select value from " + TABLE + " where id = " + id);
            return List.of(first, second);
        });
    }

    @Test
    void repeatableReadSeesOneSnapshotForTheWholeTransaction() throws SQLException {
        assertThat(readChangeRead(Isolation.REPEATABLE_READ, 1)).containsExactly(1L, 1L);
    }

    @Test
    void serializableSeesOneSnapshotToo() throws SQLException {
        assertThat(readChangeRead(Isolation.SERIALIZABLE, 2)).containsExactly(1L, 1L);
    }

    @Test
    void readCommittedSeesFreshDataAtEachStatement() throws SQLException {
        assertThat(readChangeRead(Isolation.READ_COMMITTED, 3)).containsExactly(1L, 2L);
    }
}
