package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.PoolOverloadedException;
import dev.berth.pool.PoolTimeoutException;
import dev.berth.pool.RequestDeadline;
import dev.berth.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A BerthDataSource overloaded for real (more borrowers running {@code pg_sleep} than its connections can serve):
 * a borrower that could not be served within its deadline is refused at once, with the pool's reasons; with the FIFO
 * policy it waits its whole timeout instead.
 */
class OverloadSheddingTest {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> load = new ArrayList<>();

    @AfterEach
    void stopLoad() throws InterruptedException {
        stop.set(true);
        for (Thread t : load) {
            t.join();
        }
    }

    private void overload(BerthDataSource ds, int borrowers) {
        for (int i = 0; i < borrowers; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                        s.execute("select pg_sleep(0.005)");
                    } catch (Exception e) {
                        if (ds.isClosed()) {
                            return;
                        }
                    }
                }
            }));
        }
    }

    @Test
    void aBorrowerThatCannotBeServedBeforeItsDeadlineIsRefusedAtOnce() throws Exception {
        try (BerthDataSource ds = BerthDataSource.builder().jdbcUrl(TestPostgres.jdbcUrl()).username(TestPostgres.user())
                .poolName("overloaded").maximumPoolSize(2).build()) {
            overload(ds, 30);
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.stats().overloaded());

            assertThatThrownBy(() -> RequestDeadline.within(Duration.ofMillis(10), ds::getConnection))
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("pool 'overloaded' is overloaded")
                    .hasMessageContaining("overloadPolicy=SHED")
                    .cause().isInstanceOf(PoolOverloadedException.class);
            assertThat(ds.stats().shed()).isPositive();
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(1)).as("a borrower with its whole connectionTimeout is served").isTrue();
            }

            ds.setOverloadPolicy("fifo");
            assertThat(ds.getOverloadPolicy()).isEqualTo("FIFO");
            long shedBefore = ds.stats().shed();
            assertThatThrownBy(() -> RequestDeadline.within(Duration.ofMillis(10), ds::getConnection))
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .cause().isInstanceOf(PoolTimeoutException.class).isNotInstanceOf(PoolOverloadedException.class);
            assertThat(ds.stats().shed()).isEqualTo(shedBefore);
        }
    }

    @Test
    void anUnknownPolicyIsRefusedNamingTheChoices() {
        assertThatThrownBy(() -> new BerthDataSource().setOverloadPolicy("lifo"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overloadPolicy is \"lifo\"").hasMessageContaining("SHED").hasMessageContaining("FIFO");
    }
}
