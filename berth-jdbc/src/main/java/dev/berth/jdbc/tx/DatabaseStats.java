package dev.berth.jdbc.tx;

import java.util.List;

/**
 * A snapshot of a {@link Database}: its targets with their pools, and what its transactions did. Counters are
 * read one after another without a lock, so under load they may disagree by a few operations.
 *
 * @param primary the primary target
 * @param replicas the replica targets, in the order they were given
 * @param committed transactions that committed
 * @param rolledBack transaction attempts that ended in a rollback (failed work, failed commit, rollback-only)
 * @param retries attempts that failed retryably and were run again
 * @param ambiguousCommits commits whose outcome was unknown ({@link AmbiguousCommitException})
 * @param replicaFallbacks read-only transactions that went to the primary because no replica could serve
 * @param longTransactions transactions reported as open longer than the threshold
 * @param longTransactionsAborted transactions berth rolled back at the abort limit
 * @param openTransactions transactions open now
 */
public record DatabaseStats(TargetStats primary, List<TargetStats> replicas, long committed, long rolledBack, long retries,
                            long ambiguousCommits, long replicaFallbacks, long longTransactions, long longTransactionsAborted,
                            int openTransactions) {
}
