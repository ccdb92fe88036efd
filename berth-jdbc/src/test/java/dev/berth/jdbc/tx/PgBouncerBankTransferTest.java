package dev.berth.jdbc.tx;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.testing.PgBouncer;
import dev.berth.testing.TestPostgres;
import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The bank ({@link BankTransferTest}) through PgBouncer in transaction pooling mode with berth's profile
 * ({@code pgBouncerTransactionMode}): 16 berth connections share 4 server connections, so the transactions of one
 * berth connection run on different server sessions, and still SERIALIZABLE with retry conserves the money (berth
 * sets the isolation inside each transaction) while READ COMMITTED loses updates. Needs the local PostgreSQL on
 * 127.0.0.1:5432 and Debian's pgbouncer ({@link PgBouncer}); skipped with the reason otherwise.
 */
class PgBouncerBankTransferTest extends BankTransferTest {

    private static PgBouncer bouncer;

    @BeforeAll
    static void startPgBouncer() throws IOException {
        assumeTrue(PgBouncer.unavailableReason() == null, PgBouncer.unavailableReason());
        assumeTrue(!TestPostgres.embedded(), "PgBouncer is put in front of the local PostgreSQL on 127.0.0.1:5432");
        bouncer = PgBouncer.transactionPooling("127.0.0.1", 5432, 4);
    }

    @AfterAll
    static void stopPgBouncer() {
        if (bouncer != null) {
            bouncer.close();
        }
    }

    @Override
    BerthDataSource openDataSource(int size) {
        return BerthDataSource.builder()
                .jdbcUrl(bouncer.jdbcUrl("test"))
                .username(TestPostgres.user())
                .poolName("bank-pgbouncer-" + UUID.randomUUID().toString().substring(0, 8))
                .maximumPoolSize(size)
                .pgBouncerTransactionMode(true)
                .build();
    }
}
