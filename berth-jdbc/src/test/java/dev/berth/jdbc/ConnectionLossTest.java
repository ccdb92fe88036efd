package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Unit tests; no server needed. */
class ConnectionLossTest {

    @ParameterizedTest
    @ValueSource(strings = {"08000", "08003", "08006", "08P01", "57P01", "57P02", "57P03"})
    void connectionAndShutdownStatesMeanLoss(String state) {
        assertThat(ConnectionLoss.isLoss(new SQLException("gone", state))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"23505", "40001", "42P01", "57014", "25P02"})
    void ordinarySqlErrorsDoNotMeanLoss(String state) {
        assertThat(ConnectionLoss.isLoss(new SQLException("ordinary", state))).isFalse();
    }

    @Test
    void anIoExceptionCauseMeansLoss() {
        assertThat(ConnectionLoss.isLoss(new SQLException("wrapped", null, new EOFException()))).isTrue();
    }

    @Test
    void aLossInTheNextExceptionChainCounts() {
        SQLException batch = new SQLException("batch failed", "23505");
        batch.setNextException(new SQLException("terminated", "57P01"));

        assertThat(ConnectionLoss.isLoss(batch)).isTrue();
    }

    @Test
    void missingStateIsNoLoss() {
        assertThat(ConnectionLoss.isLoss(new SQLException("no state"))).isFalse();
    }
}
