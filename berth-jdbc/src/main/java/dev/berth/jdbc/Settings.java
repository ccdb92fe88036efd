package dev.berth.jdbc;

import dev.berth.internal.Checks;

import dev.berth.pool.PoolConfig;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The settings of a {@link BerthDataSource}, under HikariCP's names and with HikariCP's defaults. Setters
 * check what they can alone and fail naming the setting and the value; {@link #validate()} checks the
 * rest. Not thread-safe: {@link BerthDataSource} guards it and freezes a copy when the pool starts.
 */
final class Settings implements Cloneable {

    static final Map<String, Integer> ISOLATIONS = Map.of(
            "TRANSACTION_READ_UNCOMMITTED", Connection.TRANSACTION_READ_UNCOMMITTED,
            "TRANSACTION_READ_COMMITTED", Connection.TRANSACTION_READ_COMMITTED,
            "TRANSACTION_REPEATABLE_READ", Connection.TRANSACTION_REPEATABLE_READ,
            "TRANSACTION_SERIALIZABLE", Connection.TRANSACTION_SERIALIZABLE);
    private static final String ALLOWED_ISOLATIONS =
            "TRANSACTION_READ_UNCOMMITTED, TRANSACTION_READ_COMMITTED, TRANSACTION_REPEATABLE_READ, TRANSACTION_SERIALIZABLE";
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    /** Unset minimumIdle: follows maximumPoolSize, as in HikariCP. */
    static final int UNSET = -1;

    String jdbcUrl;
    /** HikariCP's "dataSource": physical connections come from here instead of the driver, when set. */
    javax.sql.DataSource dataSource;
    String urlUser;
    String urlPassword;
    String username;
    String password;
    int maximumPoolSize = 10;
    int minimumIdle = UNSET;
    long connectionTimeout = 30_000;
    long idleTimeout = 600_000;
    long maxLifetime = 1_800_000;
    long keepaliveTime = 120_000;
    long validationTimeout = 5_000;
    /** The pool engine's default: see {@link PoolConfig}. */
    long createTimeout = PoolConfig.builder().build().createTimeout().toMillis();
    long leakDetectionThreshold;
    long slowLeaseThreshold;
    boolean callSites = true;
    boolean registerMbeans;
    dev.berth.pool.OverloadPolicy overloadPolicy = dev.berth.pool.OverloadPolicy.SHED;
    dev.berth.pool.PoolListener poolListener = dev.berth.pool.PoolListener.NONE;
    FatalErrorRule fatalErrorRule = FatalErrorRule.standard();
    /** Asked for the user name and password of each new connection; {@code null}: the static ones. */
    CredentialsProvider credentialsProvider;
    String poolName;
    boolean autoCommit = true;
    boolean readOnly;
    String transactionIsolation;
    String schema;
    String connectionInitSql;
    /** {@code null}: the default, {@link SessionReset#FULL}, or {@link SessionReset#JDBC} behind a transaction pooler. */
    SessionReset sessionReset;
    /** The URL reaches PostgreSQL through PgBouncer in transaction pooling mode (or a pooler like it). */
    boolean pgBouncerTransactionMode;
    Properties dataSourceProperties = new Properties();

    void jdbcUrl(String url) {
        PostgresUrl parsed = PostgresUrl.parse(url);
        jdbcUrl = parsed.jdbcUrl();
        urlUser = parsed.user();
        urlPassword = parsed.password();
    }

    String effectiveUser() {
        return username != null ? username : urlUser;
    }

    String effectivePassword() {
        return password != null ? password : urlPassword;
    }

    int effectiveMinimumIdle() {
        return minimumIdle == UNSET ? maximumPoolSize : minimumIdle;
    }

    void maximumPoolSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("maximumPoolSize is " + size
                    + " but must be at least 1; set it to the most connections this pool may open (default 10)");
        }
        maximumPoolSize = size;
    }

    void minimumIdle(int idle) {
        if (idle < 0) {
            throw new IllegalArgumentException("minimumIdle is " + idle
                    + " but must be 0 or more; leave it unset to keep maximumPoolSize connections ready");
        }
        minimumIdle = idle;
    }

    void transactionIsolation(String name) {
        if (name != null && !ISOLATIONS.containsKey(name.strip().toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("transactionIsolation is \"" + name + "\" but must be one of "
                    + ALLOWED_ISOLATIONS + " (or unset for the server's default)");
        }
        transactionIsolation = name == null ? null : name.strip().toUpperCase(Locale.ROOT);
    }

    void overloadPolicy(String name) {
        try {
            overloadPolicy = dev.berth.pool.OverloadPolicy.valueOf(name == null ? "" : name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("overloadPolicy is \"" + name + "\" but must be SHED (refuse at once a"
                    + " borrower that could not be served in time while the pool is overloaded; the default) or FIFO"
                    + " (every borrower waits its whole connectionTimeout)", e);
        }
    }

    /** @return the JDBC level of the configured isolation, or {@code null} for the server's default */
    Integer isolationLevel() {
        return transactionIsolation == null ? null : ISOLATIONS.get(transactionIsolation);
    }

    /** @return the session reset in force: the configured one, or the default for the profile */
    SessionReset effectiveSessionReset() {
        if (sessionReset != null) {
            return sessionReset;
        }
        return pgBouncerTransactionMode ? SessionReset.JDBC : SessionReset.FULL;
    }

    /**
     * Settings that cannot hold behind a transaction pooler: each transaction may run on another server connection,
     * so whatever a connection sets for its session reaches one of PgBouncer's server connections, and through it
     * other clients, but not this connection's later transactions.
     */
    private void checkPgBouncerTransactionMode() {
        if (!pgBouncerTransactionMode) {
            return;
        }
        String conflict = sessionReset == SessionReset.FULL ? "sessionReset is full"
                : transactionIsolation != null ? "transactionIsolation is " + transactionIsolation
                : schema != null ? "schema is \"" + schema + "\""
                : connectionInitSql != null ? "connectionInitSql is set"
                : null;
        if (conflict != null) {
            throw new IllegalArgumentException(conflict + " but pgBouncerTransactionMode is on: behind PgBouncer in"
                    + " transaction mode a session setting reaches whichever server connection ran it, not this connection's"
                    + " next transaction. Set it for the role or database instead (ALTER ROLE app SET search_path = ...,"
                    + " ALTER ROLE app SET default_transaction_isolation = ...), per transaction (Database's isolation,"
                    + " SET LOCAL), or turn pgBouncerTransactionMode off");
        }
    }

    /** Checks the settings that depend on each other; setters checked the others. */
    void validate() {
        checkPgBouncerTransactionMode();
        if (jdbcUrl == null && dataSource == null) {
            PostgresUrl.parse(null); // throws the "jdbcUrl is missing" message
        }
        if (minimumIdle > maximumPoolSize) {
            throw new IllegalArgumentException("minimumIdle (" + minimumIdle + ") is greater than maximumPoolSize ("
                    + maximumPoolSize + "); lower minimumIdle or raise maximumPoolSize");
        }
        Checks.positiveMillis("connectionTimeout", connectionTimeout);
        Checks.positiveMillis("validationTimeout", validationTimeout);
        Checks.positiveMillis("createTimeout", createTimeout);
        if (credentialsProvider != null && (password != null || urlPassword != null
                || dataSourceProperties.getProperty("password") != null)) {
            throw new IllegalArgumentException("a password is set (" + (password != null ? "password"
                    : urlPassword != null ? "in jdbcUrl" : "dataSource.password") + ") and so is credentialsProvider, which"
                    + " supplies the password of every new connection; remove the password, or the provider");
        }
    }

    String poolNameOrDefault() {
        if (poolName == null) {
            poolName = "berth-jdbc-" + POOL_NUMBER.incrementAndGet();
        }
        return poolName;
    }

    /** @return the pool engine's settings for these JDBC settings */
    PoolConfig toPoolConfig() {
        return PoolConfig.builder()
                .name(poolNameOrDefault())
                .maxSize(maximumPoolSize)
                .minIdle(effectiveMinimumIdle())
                .acquireTimeout(Duration.ofMillis(connectionTimeout))
                .idleTimeout(Duration.ofMillis(idleTimeout))
                .maxLifetime(Duration.ofMillis(maxLifetime))
                .keepaliveTime(Duration.ofMillis(keepaliveTime))
                .validationTimeout(Duration.ofMillis(validationTimeout))
                .createTimeout(Duration.ofMillis(createTimeout))
                .leakDetectionThreshold(Duration.ofMillis(leakDetectionThreshold))
                .slowLeaseThreshold(Duration.ofMillis(slowLeaseThreshold))
                .callSites(callSites)
                .listener(poolListener)
                .jmx(registerMbeans)
                .overloadPolicy(overloadPolicy)
                .build();
    }

    /** @return a copy that later changes to this one do not affect */
    Settings copy() {
        try {
            Settings copy = (Settings) super.clone();
            copy.dataSourceProperties = new Properties();
            copy.dataSourceProperties.putAll(dataSourceProperties);
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the secrets messages must never show */
    Secrets secrets() {
        return new Secrets(password, urlPassword, dataSourceProperties.getProperty("password"));
    }

    @Override
    public String toString() {
        return "jdbcUrl=" + PostgresUrl.mask(jdbcUrl) + ", username=" + effectiveUser()
                + ", password=" + (credentialsProvider != null ? "<from credentialsProvider>"
                        : effectivePassword() == null ? "<none>" : "<masked>")
                + ", maximumPoolSize=" + maximumPoolSize + ", minimumIdle=" + effectiveMinimumIdle()
                + ", connectionTimeout=" + connectionTimeout + ", idleTimeout=" + idleTimeout
                + ", maxLifetime=" + maxLifetime + ", keepaliveTime=" + keepaliveTime
                + ", validationTimeout=" + validationTimeout + ", createTimeout=" + createTimeout
                + ", leakDetectionThreshold=" + leakDetectionThreshold
                + ", fatalErrorRule=" + fatalErrorRule
                + ", autoCommit=" + autoCommit + ", readOnly=" + readOnly
                + ", transactionIsolation=" + (transactionIsolation == null ? "<server default>" : transactionIsolation)
                + ", schema=" + (schema == null ? "<server default>" : schema)
                + ", connectionInitSql=" + (connectionInitSql == null ? "<none>" : "\"" + secrets().mask(connectionInitSql) + "\"")
                + ", sessionReset=" + effectiveSessionReset().name().toLowerCase(Locale.ROOT)
                + ", pgBouncerTransactionMode=" + pgBouncerTransactionMode
                + ", dataSourceProperties=" + dataSourceProperties.stringPropertyNames().stream().sorted()
                        .map(k -> k + "=" + (k.toLowerCase(Locale.ROOT).contains("password") ? "<masked>" : dataSourceProperties.getProperty(k)))
                        .toList();
    }
}
