package dev.berth.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLFeatureNotSupportedException;
import org.junit.jupiter.api.Test;

/** The benchmarks' no-op driver: found by DriverManager, valid until closed, usable by every contender. */
class NoopDriverTest {

    @Test
    void driverManagerOpensNoopConnectionsThatAreValidUntilClosed() throws Exception {
        Connection c = DriverManager.getConnection(NoopDriver.URL);
        assertThat(c.isValid(1)).isTrue();
        assertThat(c.getAutoCommit()).isTrue();
        c.close();
        assertThat(c.isValid(1)).isFalse();
    }

    @Test
    void noopConnectionsRefuseStatementsWithAReason() throws Exception {
        try (Connection c = DriverManager.getConnection(NoopDriver.URL)) {
            assertThatThrownBy(c::createStatement)
                    .isInstanceOf(SQLFeatureNotSupportedException.class)
                    .hasMessageContaining("no-op driver");
        }
    }

    @Test
    void everyContenderLendsNoopConnectionsAndTakesThemBack() throws Exception {
        for (String name : Contender.NAMES) {
            try (Contender pool = Contender.open(name, Target.NOOP, 2)) {
                Object first = pool.borrow();
                Object second = pool.borrow();
                assertThat(pool.connection(first).isValid(1)).as(name).isTrue();
                assertThat(pool.connection(first)).as(name).isNotSameAs(pool.connection(second));
                pool.release(first);
                pool.release(second);
                Object again = pool.borrow();
                assertThat(pool.connection(again).isValid(1)).as(name).isTrue();
                pool.release(again);
                assertThat(pool.total()).as(name).isEqualTo(2);
            }
        }
    }
}
