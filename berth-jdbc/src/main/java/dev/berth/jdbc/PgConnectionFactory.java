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
        Connection connection = null;
        try {
            connection = settings.dataSource != null
                    ? settings.dataSource.getConnection()
                    : DRIVER.connect(settings.jdbcUrl, driverProperties);
            if (connection == null) {
                throw new SQLException("pgjdbc does not accept jdbcUrl " + PostgresUrl.mask(settings.jdbcUrl)
                        + "; use jdbc:postgresql://host:5432/db or postgres://user:password@host:5432/db", "08001");
            }
            configure(connection);
            return new PhysicalConnection(connection.unwrap(BaseConnection.class), settings.autoCommit);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection, e);
            Throwable clean = secrets.scrub(e);
            if (clean instanceof SQLException sql) {
                throw sql;
            }
            throw (RuntimeException) clean;
        }
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
