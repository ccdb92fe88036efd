package dev.berth.jdbc;

/**
 * Supplies the user name and password of each new connection, for credentials that rotate while the pool runs (AWS
 * RDS IAM tokens, Vault database leases, Entra ID tokens). The pool asks it once per connection it opens, on the
 * creating thread, never for connections it already has: a rotated secret applies to new connections, and the old
 * ones retire by {@code maxLifetime}, or at once with {@link BerthDataSource#evict()}. PostgreSQL checks a password
 * only at login, so sessions opened with the old one keep working until then.
 *
 * <p>A provider that throws or returns {@code null} fails that connection attempt like a refused login: callers get
 * the failure as the cause, the pool backs off before trying again, and the message never shows the secret. Keep it
 * fast (cache a token and renew it before it expires, as below) and thread-safe: several connections may be opened
 * at once.
 *
 * {@snippet :
 * // an IAM token that is valid for 15 minutes: renewed 5 minutes before it expires, one call per renewal
 * final class IamToken implements CredentialsProvider {
 *     private final ReentrantLock lock = new ReentrantLock();
 *     private String token;
 *     private Instant renewAt = Instant.MIN;
 *
 *     public Credentials credentials() {
 *         lock.lock();
 *         try {
 *             if (Instant.now().isAfter(renewAt)) {
 *                 token = rds.generateAuthenticationToken("db.example.com", 5432, "app");
 *                 renewAt = Instant.now().plus(Duration.ofMinutes(10));
 *             }
 *             return new Credentials("app", token);
 *         } finally {
 *             lock.unlock();
 *         }
 *     }
 * }
 * BerthDataSource db = BerthDataSource.builder()
 *         .jdbcUrl("jdbc:postgresql://db.example.com:5432/app?sslmode=require")
 *         .credentialsProvider(new IamToken())
 *         .maxLifetime(Duration.ofMinutes(14).toMillis())
 *         .build();
 * }
 */
@FunctionalInterface
public interface CredentialsProvider {

    /**
     * @return the credentials of the connection about to be opened; never {@code null}
     * @throws Exception when they cannot be had (the connection attempt then fails with it as the cause)
     */
    Credentials credentials() throws Exception;

    /**
     * A user name and password for one connection.
     *
     * @param username the role to log in as; {@code null} for the data source's configured user name
     * @param password the password or token; {@code null} for none
     */
    record Credentials(String username, String password) {
        /** @return the user name and whether there is a password, never the password */
        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=" + (password == null ? "<none>" : "<masked>") + "]";
        }
    }
}
