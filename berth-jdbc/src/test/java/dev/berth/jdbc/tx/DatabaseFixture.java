package dev.berth.jdbc.tx;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.TestPostgres;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up the Database tests share, as a JUnit extension on the real server ({@link TestPostgres}): before
 * the class, a table with a unique name, a pool and a {@link Database} on it; after the class, all three are
 * closed and dropped again.
 *
 * {@snippet :
 * @RegisterExtension
 * static final DatabaseFixture PG = DatabaseFixture.of("berth_tx_nested", "id int primary key", "tx-nested", 2);
 * private static final String TABLE = PG.table();
 *
 * @Test
 * void commits() throws SQLException {
 *     PG.db().transaction(tx -> ...);
 * }
 * }
 */
final class DatabaseFixture implements BeforeAllCallback, AfterAllCallback {

    private final String table;
    private final String columns;
    private final String poolName;
    private final int poolSize;
    private final Function<BerthDataSource, Database> opener;
    private BerthDataSource dataSource;
    private Database db;

    private DatabaseFixture(String table, String columns, String poolName, int poolSize,
                            Function<BerthDataSource, Database> opener) {
        this.table = table;
        this.columns = columns;
        this.poolName = poolName;
        this.poolSize = poolSize;
        this.opener = opener;
    }

    /**
     * @param tablePrefix the table's name before its unique suffix
     * @param columns     the column definitions, as inside {@code create table t (...)}
     * @param poolName    the pool's name before its unique suffix
     * @param poolSize    the pool's maximum size
     * @return a fixture whose database is {@code Database.of(dataSource)}
     */
    static DatabaseFixture of(String tablePrefix, String columns, String poolName, int poolSize) {
        return new DatabaseFixture(TestDatabases.table(tablePrefix), columns, poolName, poolSize, Database::of);
    }

    /** The same fixture with the database opened by {@code opener} on the pool instead of {@code Database.of}. */
    DatabaseFixture opening(Function<BerthDataSource, Database> opener) {
        return new DatabaseFixture(table, columns, poolName, poolSize, opener);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        TestDatabases.execute("create table " + table + " (" + columns + ")");
        dataSource = TestDatabases.dataSource(poolName, poolSize);
        db = opener.apply(dataSource);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        db.close();
        dataSource.close();
        TestDatabases.execute("drop table if exists " + table);
    }

    /** @return the table's unique name, known before the class starts */
    String table() {
        return table;
    }

    /** @return the pool, open while the class runs */
    BerthDataSource dataSource() {
        return dataSource;
    }

    /** @return the database on {@link #dataSource()}, open while the class runs */
    Database db() {
        return db;
    }
}
