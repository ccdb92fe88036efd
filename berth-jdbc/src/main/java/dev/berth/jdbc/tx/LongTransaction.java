package dev.berth.jdbc.tx;

import java.time.Duration;

/**
 * A report about a transaction that stayed open longer than the {@link Database}'s threshold: where it
 * began, how long it has been open, on which thread and target. A transaction is reported once when it
 * passes the threshold, and once more if berth rolls it back and closes its connection at the abort limit
 * ({@link DatabaseBuilder#longTransactionAbortAfter(Duration)}).
 *
 * {@snippet :
 * Database db = Database.builder()
 *         .primary(dataSource)
 *         .longTransactionThreshold(Duration.ofSeconds(10))
 *         .onLongTransaction(report -> log.warn(report.toString()))
 *         .build();
 * }
 *
 * @param callSite the first frame outside berth that began the transaction, e.g.
 *     {@code com.example.Orders.checkout(Orders.java:42)}
 * @param openFor how long it had been open when reported
 * @param thread the name of the thread that began it
 * @param target the connection target ({@code "primary"}, {@code "replica-0"}, ...)
 * @param aborted whether berth rolled it back and destroyed its connection
 */
public record LongTransaction(String callSite, Duration openFor, String thread, String target, boolean aborted) {

    @Override
    public String toString() {
        return (aborted ? "transaction rolled back by berth after " : "transaction still open after ") + openFor.toMillis()
                + " ms, begun at " + callSite + " on thread " + thread + " (" + target + ")"
                + (aborted ? "; its connection was closed and the work will fail with SQLSTATE 25P04"
                        : "; long transactions hold locks and block vacuum: commit sooner, or move slow work out of the transaction");
    }
}
