package dev.berth.jdbc.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * An accounts table {@code (id int primary key, balance bigint not null)} and the naive transfer on it that
 * berth-jdbc's {@code BankTransferTest} proves correct and berth-bench's {@code TransferBenchmark} measures: read both
 * balances, compute in Java, write both back. Correct only if nothing interleaves, which is the point:
 * SERIALIZABLE with retry makes it correct, READ COMMITTED does not. One class for both, shipped to berth-bench in
 * berth-jdbc's test-jar, so the transfer measured is the transfer proven.
 *
 * <p>Immutable, so one instance serves any number of threads; each call uses only the connection it is given.
 */
public final class Accounts {

    private final String table;

    /** @param table the accounts table's name */
    public Accounts(String table) {
        this.table = table;
    }

    /**
     * Moves {@code amount} from one account to another on {@code c}, unless {@code from} holds less.
     *
     * @return whether the money moved
     */
    public boolean transfer(Connection c, int from, int to, long amount) throws SQLException {
        long fromBalance = balance(c, from);
        if (fromBalance < amount) {
            return false;
        }
        long toBalance = balance(c, to);
        setBalance(c, from, fromBalance - amount);
        setBalance(c, to, toBalance + amount);
        return true;
    }

    private long balance(Connection c, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select balance from " + table + " where id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void setBalance(Connection c, int id, long balance) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update " + table + " set balance = ? where id = ?")) {
            ps.setLong(1, balance);
            ps.setInt(2, id);
            ps.executeUpdate();
        }
    }
}
