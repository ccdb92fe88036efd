package dev.berth.jdbc.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The retry policy's rules on their own, without a server. */
class RetryPolicyTest {

    private static SQLException state(String sqlState) {
        return new SQLException("test failure", sqlState);
    }

    @Test
    void defaultsRetrySerializationFailuresAndDeadlocksOnly() {
        RetryPolicy policy = RetryPolicy.defaults();
        assertThat(policy.isRetryable(state("40001"))).isTrue();
        assertThat(policy.isRetryable(new SQLTransactionRollbackException("deadlock", "40P01"))).isTrue();
        assertThat(policy.isRetryable(state("23505"))).isFalse();
        assertThat(policy.isRetryable(state("57014"))).isFalse();
        assertThat(policy.isRetryable(new SQLException("no state"))).isFalse();
        assertThat(policy.isRetryable(new IllegalStateException("not SQL"))).isFalse();
    }

    @Test
    void aWrapperIsJudgedByTheFirstSqlExceptionInItsCauses() {
        RuntimeException wrapped = new RuntimeException("framework", new UncheckedIOException("io", new java.io.IOException(state("40001"))));
        assertThat(RetryPolicy.defaults().isRetryable(wrapped)).isTrue();
    }

    @Test
    void anSqlExceptionIsJudgedByItsOwnStateNotItsCause() {
        SQLException outer = new SQLException("outer", "23505", state("40001"));
        assertThat(RetryPolicy.defaults().isRetryable(outer)).isFalse();
    }

    @Test
    void anAmbiguousCommitIsNeverRetryable() {
        RetryPolicy broad = RetryPolicy.defaults().retryOn("57P01");
        AmbiguousCommitException ambiguous = new AmbiguousCommitException("lost", state("40001"));
        assertThat(ambiguous.getSQLState()).isEqualTo("08007");
        assertThat(broad.isRetryable(ambiguous)).isFalse();
        assertThat(broad.isRetryable(new RuntimeException(ambiguous))).isFalse();
    }

    @Test
    void retryOnAddsStatesAndRefusesConnectionFailures() {
        RetryPolicy policy = RetryPolicy.defaults().retryOn("55P03");
        assertThat(policy.retryableSqlStates()).containsExactlyInAnyOrder("40001", "40P01", "55P03");
        assertThatThrownBy(() -> RetryPolicy.defaults().retryOn("08006"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("08006").hasMessageContaining("connection");
        assertThatThrownBy(() -> RetryPolicy.defaults().retryOn("4001"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'4001'");
    }

    @Test
    void theCapDoublesFromTheInitialBackoffUpToTheMaximum() {
        RetryPolicy policy = RetryPolicy.defaults().backoff(Duration.ofMillis(5), Duration.ofMillis(100));
        assertThat(policy.cap(1)).isEqualTo(Duration.ofMillis(5).toNanos());
        assertThat(policy.cap(2)).isEqualTo(Duration.ofMillis(10).toNanos());
        assertThat(policy.cap(5)).isEqualTo(Duration.ofMillis(80).toNanos());
        assertThat(policy.cap(6)).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(policy.cap(1_000)).isEqualTo(Duration.ofMillis(100).toNanos());
    }

    @Test
    void pausesAreFullJitterBetweenZeroAndTheCap() {
        RetryPolicy policy = RetryPolicy.defaults().backoff(Duration.ofMillis(8), Duration.ofMillis(64));
        SplittableRandom random = new SplittableRandom(42);
        long below = 0;
        for (int i = 0; i < 10_000; i++) {
            Duration pause = policy.backoff(3, random);
            assertThat(pause).isBetween(Duration.ZERO, Duration.ofMillis(32));
            if (pause.compareTo(Duration.ofMillis(16)) < 0) {
                below++;
            }
        }
        // uniform: about half the pauses fall in the lower half of [0, 32 ms]
        assertThat(below).isBetween(4_500L, 5_500L);
    }

    @Test
    void zeroBackoffMeansNoPause() {
        RetryPolicy policy = RetryPolicy.defaults().backoff(Duration.ZERO, Duration.ZERO);
        assertThat(policy.backoff(7, new SplittableRandom(1))).isEqualTo(Duration.ZERO);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> RetryPolicy.defaults().maxAttempts(0)).hasMessageContaining("was 0");
        assertThatThrownBy(() -> RetryPolicy.defaults().backoff(Duration.ofMillis(10), Duration.ofMillis(5)))
                .hasMessageContaining("initial=10 ms, max=5 ms");
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    }
}
