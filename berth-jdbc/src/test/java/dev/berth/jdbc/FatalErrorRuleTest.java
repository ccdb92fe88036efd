package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.jdbc.FatalErrorRule.Context;
import dev.berth.jdbc.FatalErrorRule.ServerMode;
import dev.berth.jdbc.FatalErrorRule.Verdict;
import java.io.EOFException;
import java.net.SocketException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The standard rule and how a custom one extends it; no server needed (the failures are made by hand). */
class FatalErrorRuleTest {

    private static final FatalErrorRule STANDARD = FatalErrorRule.standard();
    /** A write pool on a primary that still says it is one. */
    private static final Context WRITABLE = new Context(false, false, ServerMode.READ_WRITE, ServerMode.READ_WRITE);
    /** A write pool whose primary now says it is read-only (demoted or fenced). */
    private static final Context DEMOTED = new Context(false, false, ServerMode.READ_WRITE, ServerMode.READ_ONLY);

    private static SQLException state(String sqlState) {
        return new SQLException("failure " + sqlState, sqlState);
    }

    @ParameterizedTest
    @ValueSource(strings = {"08000", "08001", "08003", "08006", "08P01", "57P01", "57P02", "57P03"})
    void connectionAndShutdownStatesMeanTheServerWentAway(String sqlState) {
        assertThat(STANDARD.judge(state(sqlState), WRITABLE)).isEqualTo(Verdict.SERVER);
    }

    @Test
    void anIoExceptionAnywhereInTheCauseChainMeansTheServerWentAway() {
        SQLException wrapped = new SQLException("An I/O error occurred while sending to the backend.", null,
                new RuntimeException("wrapper", new EOFException()));

        assertThat(STANDARD.judge(wrapped, WRITABLE)).isEqualTo(Verdict.SERVER);
        assertThat(STANDARD.judge(new SQLException("reset", "XX000", new SocketException("Connection reset")), DEMOTED))
                .isEqualTo(Verdict.SERVER);
    }

    @Test
    void aRefusedWriteOnAWritePoolWhoseServerTurnedReadOnlyMeansFailover() {
        assertThat(STANDARD.judge(state("25006"), DEMOTED)).isEqualTo(Verdict.FAILOVER);
    }

    @Test
    void aRefusedWriteFromAServerThatDoesNotReportItsModeMeansFailover() {
        assertThat(STANDARD.judge(state("25006"), new Context(false, false, ServerMode.UNKNOWN, ServerMode.UNKNOWN)))
                .isEqualTo(Verdict.FAILOVER);
    }

    @ParameterizedTest
    @EnumSource(ServerMode.class)
    void aRefusedWriteOnAReadOnlyPoolIsNotFatal(ServerMode server) {
        assertThat(STANDARD.judge(state("25006"), new Context(true, true, ServerMode.READ_WRITE, server))).isEqualTo(Verdict.NOT_FATAL);
        assertThat(STANDARD.judge(state("25006"), new Context(true, false, ServerMode.READ_WRITE, server))).isEqualTo(Verdict.NOT_FATAL);
    }

    @ParameterizedTest
    @EnumSource(ServerMode.class)
    void aRefusedWriteOnAConnectionTheBorrowerMadeReadOnlyIsNotFatal(ServerMode server) {
        assertThat(STANDARD.judge(state("25006"), new Context(false, true, ServerMode.READ_WRITE, server))).isEqualTo(Verdict.NOT_FATAL);
    }

    @Test
    void aRefusedWriteOnAConnectionOpenedToAReadOnlyServerIsNotFatal() {
        // a replica's pool (Database's replica pools are not configured readOnly): it never had a primary to lose
        Context replica = new Context(false, false, ServerMode.READ_ONLY, ServerMode.READ_ONLY);

        assertThat(STANDARD.judge(state("25006"), replica)).isEqualTo(Verdict.NOT_FATAL);
    }

    @Test
    void aRefusedWriteInAReadOnlyTransactionOnAWritablePrimaryIsNotFatal() {
        // BEGIN READ ONLY (or Database's read-only transactions) and then a write: the borrower's mistake
        assertThat(STANDARD.judge(state("25006"), WRITABLE)).isEqualTo(Verdict.NOT_FATAL);
    }

    @Test
    void aRefusedWriteInABatchsNextExceptionMeansFailover() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 insert ... was aborted", "25006", new int[0]);
        SQLException first = new SQLException("Batch entry 0 was aborted", (String) null);
        first.setNextException(batch);

        assertThat(STANDARD.judge(first, DEMOTED)).isEqualTo(Verdict.FAILOVER);
    }

    @Test
    void aLostConnectionWinsOverARefusedWrite() {
        SQLException refused = state("25006");
        refused.setNextException(state("57P01"));

        assertThat(STANDARD.judge(refused, DEMOTED)).isEqualTo(Verdict.SERVER);
    }

    @Test
    void aCachedPlanWhoseResultTypeChangedCondemnsOnlyTheConnection() {
        SQLException cachedPlan = new SQLException("ERROR: cached plan must not change result type", "0A000");

        assertThat(STANDARD.judge(cachedPlan, WRITABLE)).isEqualTo(Verdict.CONNECTION);
    }

    @Test
    void otherUnsupportedFeaturesAreNotFatal() {
        SQLException unsupported = new SQLException("ERROR: cannot use subquery in check constraint", "0A000");

        assertThat(STANDARD.judge(unsupported, WRITABLE)).isEqualTo(Verdict.NOT_FATAL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"23505", "40001", "40P01", "42P01", "57014", "25P02", "53300", "XX000"})
    void ordinarySqlErrorsAreNotFatal(String sqlState) {
        assertThat(STANDARD.judge(state(sqlState), DEMOTED)).isEqualTo(Verdict.NOT_FATAL);
    }

    @Test
    void anErrorWithoutStateIsNotFatal() {
        assertThat(STANDARD.judge(new SQLException("no state"), DEMOTED)).isEqualTo(Verdict.NOT_FATAL);
    }

    @Test
    void aCustomRuleJudgesItsCasesAndLeavesTheRestToTheStandardRule() {
        FatalErrorRule missingPreparedStatement = (failure, context) -> "26000".equals(failure.getSQLState())
                ? Verdict.CONNECTION : Verdict.NOT_FATAL;
        FatalErrorRule rule = missingPreparedStatement.orElse(FatalErrorRule.standard());

        assertThat(rule.judge(state("26000"), WRITABLE)).isEqualTo(Verdict.CONNECTION);
        assertThat(rule.judge(state("57P01"), WRITABLE)).isEqualTo(Verdict.SERVER);
        assertThat(rule.judge(state("25006"), DEMOTED)).isEqualTo(Verdict.FAILOVER);
        assertThat(rule.judge(state("23505"), WRITABLE)).isEqualTo(Verdict.NOT_FATAL);
    }

    @Test
    void aCustomRuleCanOverruleTheStandardOne() {
        // a pool that must never evict by itself: failovers are handled by an operator calling evict()
        FatalErrorRule noAutomaticFailover = (failure, context) -> {
            Verdict standard = FatalErrorRule.standard().judge(failure, context);
            return standard == Verdict.FAILOVER ? Verdict.CONNECTION : standard;
        };

        assertThat(noAutomaticFailover.judge(state("25006"), DEMOTED)).isEqualTo(Verdict.CONNECTION);
        assertThat(noAutomaticFailover.judge(state("08006"), DEMOTED)).isEqualTo(Verdict.SERVER);
    }

    @Test
    void connectionLossIsJudgedAsBefore() {
        // ConnectionLoss keeps its public meaning: the standard rule's SERVER verdicts, nothing more
        assertThat(ConnectionLoss.isLoss(state("57P01"))).isTrue();
        assertThat(ConnectionLoss.isLoss(state("25006"))).isFalse();
        assertThat(ConnectionLoss.isLoss(new SQLException("cached plan must not change result type", "0A000"))).isFalse();
    }
}
