package dev.berth.demo;

import dev.berth.jdbc.tx.Database;
import dev.berth.jdbc.tx.Isolation;
import dev.berth.jdbc.tx.RetryListener;
import dev.berth.jdbc.tx.RetryPolicy;
import dev.berth.jdbc.tx.TransactionOptions;
import dev.berth.web.RequestSession;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Moves money between two accounts in one SERIALIZABLE transaction, re-run as a whole when PostgreSQL reports a
 * serialization failure (40001) or a deadlock (40P01). Balances never go negative (checked in the transaction, and
 * by the table's CHECK), and concurrent transfers keep the sum of all balances constant.
 *
 * <p>Why not the request's session: a SERIALIZABLE unit must be re-run from its start when it fails, often at
 * COMMIT; the request's session commits when the response starts, too late to re-run anything. So the transfer is
 * its own unit of work ({@link Database#transaction}), and the request's session takes no connection at all.
 * Its connection wait and hold still reach the slow-request log through {@link RequestSession#addConnectionTime}.
 *
 * <p>Thread-safe.
 */
final class Transfers {
    static final long MAX_AMOUNT = Accounts.MAX_BALANCE;

    private final Database db;
    private final RetryPolicy retry;
    private final LongAdder retries = new LongAdder();

    Transfers(Database db) {
        this.db = db;
        this.retry = RetryPolicy.defaults().maxAttempts(30).backoff(Duration.ofMillis(2), Duration.ofMillis(100));
    }

    /**
     * @throws ApiException 400 for a bad amount or the same account twice, 404 for an unknown account, 409 when
     *     the debited account has too little
     * @throws SQLException when the database failed (after retries) or no connection became free in time
     */
    Transfer transfer(long from, long to, long amount) throws SQLException {
        if (amount <= 0) {
            throw ApiException.badRequest("invalid_amount", "\"amount\" is " + amount
                    + " but must be more than 0 (a whole number of cents); to move money the other way, swap \"from\" and \"to\"");
        }
        if (amount > MAX_AMOUNT) {
            throw ApiException.badRequest("invalid_amount", "\"amount\" is " + amount + " but must be at most " + MAX_AMOUNT);
        }
        if (from == to) {
            throw ApiException.badRequest("same_account", "\"from\" and \"to\" are both account " + from
                    + "; a transfer needs two different accounts");
        }
        AttemptClock clock = new AttemptClock();
        TransactionOptions options = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE)
                .retry(retry.listener(clock::finished));
        try {
            return db.transaction(options, tx -> {
                clock.leased();
                return move(tx.connection(), from, to, amount);
            });
        } finally {
            RequestSession.addConnectionTime(Duration.ofNanos(clock.waitNanos), Duration.ofNanos(clock.holdNanos));
        }
    }

    /**
     * The connection time of one transfer over all its attempts: each attempt waits from the moment it may start
     * (the call, or the end of the previous attempt's backoff) until its work runs on a leased connection, and holds
     * it from then until the attempt ended (committed, or rolled back and released). Used by the calling thread only.
     */
    private final class AttemptClock {
        private long readyAt = System.nanoTime();
        private long leasedAt;
        long waitNanos;
        long holdNanos;

        void leased() {
            leasedAt = System.nanoTime();
            waitNanos += leasedAt - readyAt;
        }

        void finished(RetryListener.Attempt attempt) {
            long now = System.nanoTime();
            if (leasedAt != 0) {
                holdNanos += now - leasedAt;
                leasedAt = 0;
            } else {
                waitNanos += now - readyAt;   // no connection for this attempt (a pool timeout)
            }
            readyAt = now + attempt.backoff().toNanos();
            if (attempt.retrying()) {
                retries.increment();
            }
        }
    }

    /** @return serialization failures and deadlocks that were retried since the start */
    long retries() {
        return retries.sum();
    }

    private static Transfer move(Connection c, long from, long to, long amount) throws SQLException {
        long fromBalance = balance(c, from, "from");
        balance(c, to, "to");
        if (fromBalance < amount) {
            throw ApiException.conflict("insufficient_funds", "account " + from + " has " + fromBalance
                    + " but the transfer takes " + amount + "; nothing was moved");
        }
        long newFrom = add(c, from, -amount);
        long newTo = add(c, to, amount);
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + Schema.TRANSFERS
                + " (from_id, to_id, amount) VALUES (?, ?, ?) RETURNING id")) {
            insert.setLong(1, from);
            insert.setLong(2, to);
            insert.setLong(3, amount);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                return new Transfer(rs.getLong(1), from, to, amount, newFrom, newTo);
            }
        }
    }

    private static long balance(Connection c, long id, String role) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT balance FROM " + Schema.ACCOUNTS + " WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("account_not_found", "no account " + id + " (the transfer's \"" + role
                            + "\"); create it first with POST /api/accounts");
                }
                return rs.getLong(1);
            }
        }
    }

    private static long add(Connection c, long id, long delta) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE " + Schema.ACCOUNTS
                + " SET balance = balance + ? WHERE id = ? RETURNING balance")) {
            update.setLong(1, delta);
            update.setLong(2, id);
            try (ResultSet rs = update.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
