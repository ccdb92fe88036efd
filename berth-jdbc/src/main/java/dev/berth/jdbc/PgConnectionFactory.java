package dev.berth.jdbc;

import dev.berth.pool.ResourceFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.core.BaseConnection;

/**
 * Makes, checks and closes pgjdbc connections for the pool. Connections come from {@link Driver} directly
 * (no {@code DriverManager} scan), get the configured isolation, read-only mode, schema and init SQL, and
 * reach the pool with autocommit set. Failures carry no password (see {@link Secrets}).
 *
 * <p>Returned connections are reset by {@link PooledConnection#close()}, which knows what the borrower
 * changed; {@link #reset} is therefore not overridden.
 */
final class PgConnectionFactory implements ResourceFactory<PhysicalConnection> {

    private static final Driver DRIVER = new Driver();

    private final Settings settings;
    private final Properties driverProperties;
    private final Secrets secrets;

    /** @param settings frozen settings; never changed afterwards */
    PgConnectionFactory(Settings settings) {
        this.settings = settings;
        this.secrets = settings.secrets();
        this.driverProperties = new Properties();
        driverProperties.putAll(settings.dataSourceProperties);
        if (settings.effectiveUser() != null) {
            driverProperties.setProperty("user", settings.effectiveUser());
        }
        if (settings.effectivePassword() != null) {
            driverProperties.setProperty("password", settings.effectivePassword());
        }
        // makes the pool's connections recognisable in pg_stat_activity unless the user named them
        defaultProperty("ApplicationName", settings.poolNameOrDefault());
        // Bounded attempts and dead-peer detection, unless the user chose otherwise (in these properties or the URL,
        // whose parameters pgjdbc lets win). The pool enforces createTimeout by interrupting the creating virtual
        // thread, which closes its socket (connectTimeout bounds only the TCP connect, not authentication). Not
        // loginTimeout: with it pgjdbc connects on a platform thread of its own that it abandons at the timeout, still
        // blocked on a server that accepts and never answers until the socket closes (FaultProxyPostgresTest).
        defaultProperty("connectTimeout", Long.toString((settings.createTimeout + 999) / 1000));
        defaultProperty("tcpKeepAlive", "true");
        if (settings.pgBouncerTransactionMode) {
            // a server-prepared statement lives on one server connection, and the next execution may reach another
            // ("prepared statement S_1 does not exist"); pgjdbc's unnamed statements live only until the Sync
            defaultProperty("prepareThreshold", "0");
        }
    }

    private void defaultProperty(String name, String value) {
        if (driverProperties.getProperty(name) == null) {
            driverProperties.setProperty(name, value);
        }
    }

    /** @return the pgjdbc properties every connection is made with; package-private, for tests */
    Properties driverProperties() {
        return driverProperties;
    }

    @Override
    public PhysicalConnection create() throws SQLException {
        CredentialsProvider.Credentials credentials = settings.credentialsProvider == null ? null : askProvider();
        Secrets secrets = credentials == null ? this.secrets : this.secrets.and(credentials.password());
        Connection connection = null;
        try {
            connection = credentials == null
                    ? (settings.dataSource != null ? settings.dataSource.getConnection() : DRIVER.connect(settings.jdbcUrl, driverProperties))
                    : connectAs(credentials);
            if (connection == null) {
                throw new SQLException("pgjdbc does not accept jdbcUrl " + PostgresUrl.mask(settings.jdbcUrl)
                        + "; use jdbc:postgresql://host:5432/db or postgres://user:password@host:5432/db", "08001");
            }
            configure(connection);
            return new PhysicalConnection(connection.unwrap(BaseConnection.class), settings.autoCommit,
                    settings.effectiveSessionReset(), settings.connectionInitSql);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection, e);
            Throwable clean = secrets.scrub(e);
            if (clean instanceof SQLException sql) {
                throw sql;
            }
            throw (RuntimeException) clean;
        }
    }

    /** The provider's credentials for this attempt; its failure, or a null answer, fails the attempt. */
    private CredentialsProvider.Credentials askProvider() throws SQLException {
        CredentialsProvider.Credentials credentials;
        try {
            credentials = settings.credentialsProvider.credentials();
        } catch (Exception e) {
            throw new SQLException("credentialsProvider " + settings.credentialsProvider.getClass().getName() + " failed"
                    + " for a new connection of pool " + settings.poolNameOrDefault() + ": " + e.getClass().getName()
                    + "; fix the provider (its failure is the cause)", "08001", e);
        }
        if (credentials == null) {
            throw new SQLException("credentialsProvider " + settings.credentialsProvider.getClass().getName()
                    + " returned null for a new connection of pool " + settings.poolNameOrDefault()
                    + "; it must return Credentials (a null password means none)", "08001");
        }
        return credentials;
    }

    /** Opens a connection with the provider's credentials, the configured user name where it names none. */
    private Connection connectAs(CredentialsProvider.Credentials credentials) throws SQLException {
        String user = credentials.username() != null ? credentials.username() : settings.effectiveUser();
        if (settings.dataSource != null) {
            return settings.dataSource.getConnection(user, credentials.password());
        }
        Properties properties = (Properties) driverProperties.clone();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (credentials.password() != null) {
            properties.setProperty("password", credentials.password());
        }
        return DRIVER.connect(settings.jdbcUrl, properties);
    }

    private void configure(Connection connection) throws SQLException {
        Integer isolation = settings.isolationLevel();
        if (isolation != null) {
            connection.setTransactionIsolation(isolation);
        }
        if (settings.readOnly) {
            connection.setReadOnly(true);
        }
        if (settings.schema != null) {
            connection.setSchema(settings.schema);
        }
        if (settings.connectionInitSql != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(settings.connectionInitSql);
            } catch (SQLException e) {
                throw new SQLException("connectionInitSql failed on a new connection of pool " + settings.poolNameOrDefault()
                        + ": " + e.getMessage() + "; fix the statement or unset connectionInitSql", e.getSQLState(), e);
            }
        }
    }

    @Override
    public boolean validate(PhysicalConnection resource, Duration timeout) throws SQLException {
        long millis = Math.max(1, timeout.toMillis());
        int seconds = (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
        return resource.connection().isValid(seconds);
    }

    @Override
    public void destroy(PhysicalConnection resource) throws SQLException {
        resource.close();
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException closeFailure) {
                failure.addSuppressed(closeFailure);
            }
        }
    }
}
