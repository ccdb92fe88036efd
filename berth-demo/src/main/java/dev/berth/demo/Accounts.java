package dev.berth.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The accounts table, on whatever connection the caller has (the request's session). */
final class Accounts {
    static final long MAX_BALANCE = 1_000_000_000_000L;

    private Accounts() {
    }

    static Account create(Connection c, String owner, long balance) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO " + Schema.ACCOUNTS + " (owner, balance) VALUES (?, ?) RETURNING id")) {
            insert.setString(1, owner);
            insert.setLong(2, balance);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                return new Account(rs.getLong(1), owner, balance);
            }
        }
    }

    /** @return the account, or {@code null} when there is none with this id */
    static Account find(Connection c, long id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT owner, balance FROM " + Schema.ACCOUNTS + " WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? new Account(id, rs.getString(1), rs.getLong(2)) : null;
            }
        }
    }
}
