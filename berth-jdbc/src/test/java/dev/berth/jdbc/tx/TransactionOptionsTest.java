package dev.berth.jdbc.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fixed SQL that opens a transaction, built from the options' values only. */
class TransactionOptionsTest {

    @Test
    void defaultsNeedNoStatementAtAll() {
        assertThat(TransactionOptions.defaults().beginSql()).isNull();
    }

    @Test
    void everyIsolationLevelHasItsOwnLiteral() {
        for (Isolation level : Isolation.values()) {
            assertThat(TransactionOptions.defaults().isolation(level).beginSql())
                    .isEqualTo("SET TRANSACTION ISOLATION LEVEL " + level.sql());
        }
        assertThat(Isolation.REPEATABLE_READ.sql()).isEqualTo("REPEATABLE READ");
    }

    @Test
    void modesAndTimeoutCombineIntoOneRoundTrip() {
        TransactionOptions options = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE).readOnly(true)
                .deferrable(true).statementTimeout(Duration.ofMillis(1500));
        assertThat(options.beginSql()).isEqualTo(
                "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE; SET LOCAL statement_timeout = 1500");
    }

    @Test
    void theIsolationLevelIsLeftOutWhenTheSessionAlreadyHasIt() {
        TransactionOptions serializable = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE);
        assertThat(serializable.beginSql(Isolation.SERIALIZABLE)).isNull();
        assertThat(serializable.readOnly(true).beginSql(Isolation.SERIALIZABLE)).isEqualTo("SET TRANSACTION READ ONLY");
        assertThat(serializable.beginSql(Isolation.READ_COMMITTED)).isEqualTo("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    }

    @Test
    void readOnlyWorkIsReplicaEligibleUnlessSerializable() {
        assertThat(TransactionOptions.defaults().readOnly(true).replicaEligible()).isTrue();
        assertThat(TransactionOptions.defaults().readOnly(true).isolation(Isolation.REPEATABLE_READ).replicaEligible()).isTrue();
        assertThat(TransactionOptions.defaults().readOnly(true).isolation(Isolation.SERIALIZABLE).replicaEligible()).isFalse();
        assertThat(TransactionOptions.defaults().replicaEligible()).isFalse();
    }

    @Test
    void aStatementTimeoutBelowOneMillisecondIsRefused() {
        assertThatThrownBy(() -> TransactionOptions.defaults().statementTimeout(Duration.ofNanos(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 ms");
    }

    @Test
    void optionsAreValuesThatCopyOnChange() {
        TransactionOptions base = TransactionOptions.defaults();
        TransactionOptions serializable = base.isolation(Isolation.SERIALIZABLE);
        assertThat(base.isolation()).isNull();
        assertThat(serializable).isEqualTo(TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE));
    }

    @Test
    void isolationIsReadBackFromTheServerSpelling() {
        assertThat(Isolation.fromSetting("read committed")).isEqualTo(Isolation.READ_COMMITTED);
        assertThatThrownBy(() -> Isolation.fromSetting("snapshot")).hasMessageContaining("'snapshot'");
    }
}
