package dev.berth.jdbc.tx;

import java.sql.SQLNonTransientConnectionException;

/**
 * The connection was lost while COMMIT was under way, so nobody on this side knows whether the transaction
 * committed: the server may have made it durable just before the connection died, or never received the
 * COMMIT. SQLSTATE {@code 08007} ("transaction resolution unknown").
 *
 * <p>berth never retries such a transaction: running it again could apply it twice (two transfers instead
 * of one). What to do is the application's decision, typically one of:
 * <ul>
 *   <li>check whether the effect is there (look the row up by an id the transaction wrote, or an idempotency
 *       key) and only then decide to run it again;</li>
 *   <li>make the unit of work idempotent (insert ... on conflict do nothing with a client-chosen key) and
 *       run it again;</li>
 *   <li>report the outcome as unknown to the caller (HTTP 503 with "retry with the same key").</li>
 * </ul>
 *
 * {@snippet :
 * try {
 *     db.transaction(serializable, tx -> transfer(tx.connection(), transferId, from, to, amount));
 * } catch (AmbiguousCommitException e) {
 *     boolean applied = db.transaction(tx -> transferExists(tx.connection(), transferId));
 *     // decide: report success, or run it again now that we know it did not happen
 * }
 * }
 *
 * <p>The cause is the driver's error (an I/O error, or SQLSTATE class 08 / 57P01).
 */
public final class AmbiguousCommitException extends SQLNonTransientConnectionException {

    /** The SQLSTATE of this error: transaction resolution unknown. */
    public static final String SQL_STATE = "08007";

    /**
     * @param message what happened, naming the connection target
     * @param cause the driver's error
     */
    public AmbiguousCommitException(String message, Throwable cause) {
        super(message, SQL_STATE, cause);
    }
}
