package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.pool.PoolConfig;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Settings, their checks and their mapping to the pool; no server needed (nothing connects). */
class BerthDataSourceSettingsTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";

    @Test
    void defaultsAreHikariCpDefaults() {
        BerthDataSource ds = new BerthDataSource();

        assertThat(ds.getMaximumPoolSize()).isEqualTo(10);
        assertThat(ds.getMinimumIdle()).isEqualTo(10);
        assertThat(ds.getConnectionTimeout()).isEqualTo(30_000);
        assertThat(ds.getIdleTimeout()).isEqualTo(600_000);
        assertThat(ds.getMaxLifetime()).isEqualTo(1_800_000);
        assertThat(ds.getKeepaliveTime()).isEqualTo(120_000);
        assertThat(ds.getValidationTimeout()).isEqualTo(5_000);
        assertThat(ds.getLeakDetectionThreshold()).isZero();
        assertThat(ds.isAutoCommit()).isTrue();
        assertThat(ds.isReadOnly()).isFalse();
        assertThat(ds.getTransactionIsolation()).isNull();
    }

    @Test
    void minimumIdleFollowsMaximumPoolSizeUntilSet() {
        BerthDataSource ds = new BerthDataSource();
        ds.setMaximumPoolSize(4);
        assertThat(ds.getMinimumIdle()).isEqualTo(4);

        ds.setMinimumIdle(1);
        ds.setMaximumPoolSize(8);
        assertThat(ds.getMinimumIdle()).isEqualTo(1);
    }

    @Test
    void settingsMapOntoThePoolConfig() {
        BerthDataSource ds = BerthDataSource.builder().jdbcUrl(URL).poolName("orders")
                .maximumPoolSize(7).minimumIdle(2).connectionTimeout(1_500).idleTimeout(60_000)
                .maxLifetime(900_000).keepaliveTime(30_000).validationTimeout(2_000).build();

        PoolConfig config = ds.validatedSettings().toPoolConfig();

        assertThat(config.name()).isEqualTo("orders");
        assertThat(config.maxSize()).isEqualTo(7);
        assertThat(config.minIdle()).isEqualTo(2);
        assertThat(config.acquireTimeout()).isEqualTo(Duration.ofMillis(1_500));
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.maxLifetime()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.keepaliveTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.validationTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void negativeSizesFailAtTheSetterNamingSettingAndValue() {
        BerthDataSource ds = new BerthDataSource();

        assertThatThrownBy(() -> ds.setMaximumPoolSize(0)).hasMessageStartingWith("maximumPoolSize is 0 but must be at least 1");
        assertThatThrownBy(() -> ds.setMinimumIdle(-2)).hasMessageStartingWith("minimumIdle is -2 but must be 0 or more");
        assertThatThrownBy(() -> ds.setIdleTimeout(-1)).hasMessageStartingWith("idleTimeout is -1 ms but must not be negative");
        assertThatThrownBy(() -> ds.setConnectionTimeout(0)).hasMessageStartingWith("connectionTimeout is 0 ms but must be positive");
    }

    @Test
    void minimumIdleAboveMaximumPoolSizeFailsAtBuild() {
        assertThatThrownBy(() -> BerthDataSource.builder().jdbcUrl(URL).maximumPoolSize(3).minimumIdle(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("minimumIdle (5) is greater than maximumPoolSize (3)");
    }

    @Test
    void unknownIsolationNamesTheValueAndTheAllowedOnes() {
        assertThatThrownBy(() -> new BerthDataSource().setTransactionIsolation("SNAPSHOT"))
                .hasMessageContaining("transactionIsolation is \"SNAPSHOT\"")
                .hasMessageContaining("TRANSACTION_READ_COMMITTED")
                .hasMessageContaining("TRANSACTION_SERIALIZABLE");
    }

    @Test
    void isolationNamesAreCaseInsensitive() {
        BerthDataSource ds = new BerthDataSource();
        ds.setTransactionIsolation("transaction_serializable");

        assertThat(ds.getTransactionIsolation()).isEqualTo("TRANSACTION_SERIALIZABLE");
    }

    @Test
    void missingUrlFailsAtStart() {
        assertThatThrownBy(() -> new BerthDataSource().start()).hasMessageStartingWith("jdbcUrl is missing");
    }

    @Test
    void missingUrlFailsGetConnectionWithAnSqlException() {
        assertThatThrownBy(() -> new BerthDataSource().getConnection())
                .isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("jdbcUrl is missing");
    }

    @Test
    void badUrlFailsAtTheSetter() {
        assertThatThrownBy(() -> new BerthDataSource().setJdbcUrl("jdbc:mysql://h/db"))
                .hasMessageContaining("jdbcUrl jdbc:mysql://h/db is not a PostgreSQL URL");
    }

    @Test
    void connectionSettingsAreFrozenOnceStartedWhilePoolSettingsStayLive() {
        try (BerthDataSource ds = BerthDataSource.fromUrl(URL)) {
            ds.start();

            assertThatThrownBy(() -> ds.setSchema("other"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("schema cannot change")
                    .hasMessageContaining("frozen");
            assertThatThrownBy(() -> ds.setPoolName("renamed"))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("poolName cannot change");
            ds.setMaximumPoolSize(20);
            assertThat(ds.getMaximumPoolSize()).isEqualTo(20);
            assertThat(ds.stats().maxSize()).isEqualTo(20);
            assertThat(ds.getMinimumIdle()).as("unset minimumIdle follows maximumPoolSize, as in HikariCP").isEqualTo(20);
        }
    }

    @Test
    void databaseUrlSetsUserAndPasswordWhichExplicitSettingsOverride() {
        BerthDataSource ds = BerthDataSource.fromUrl("postgres://app:s3cret@db:5432/orders");

        assertThat(ds.getJdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/orders");
        assertThat(ds.getUsername()).isEqualTo("app");
        assertThat(ds.getPassword()).isEqualTo("s3cret");

        ds.setUsername("admin");
        assertThat(ds.getUsername()).isEqualTo("admin");
    }

    @Test
    void propertiesUseHikariKeysAndDataSourcePrefix() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", URL);
        p.setProperty("username", "app");
        p.setProperty("maximumPoolSize", "6");
        p.setProperty("minimumIdle", "1");
        p.setProperty("connectionTimeout", "2500");
        p.setProperty("autoCommit", "false");
        p.setProperty("transactionIsolation", "TRANSACTION_REPEATABLE_READ");
        p.setProperty("driverClassName", "org.postgresql.Driver");
        p.setProperty("dataSource.sslmode", "disable");
        p.setProperty("dataSourceProperties.prepareThreshold", "3");

        BerthDataSource ds = new BerthDataSource(p);

        assertThat(ds.getUsername()).isEqualTo("app");
        assertThat(ds.getMaximumPoolSize()).isEqualTo(6);
        assertThat(ds.getMinimumIdle()).isEqualTo(1);
        assertThat(ds.getConnectionTimeout()).isEqualTo(2500);
        assertThat(ds.isAutoCommit()).isFalse();
        assertThat(ds.getTransactionIsolation()).isEqualTo("TRANSACTION_REPEATABLE_READ");
        assertThat(ds.getDataSourceProperties())
                .containsEntry("sslmode", "disable")
                .containsEntry("prepareThreshold", "3");
    }

    @Test
    void unknownPropertyKeyIsNamedWithTheKnownOnes() {
        Properties p = new Properties();
        p.setProperty("maxPoolSize", "5");

        assertThatThrownBy(() -> new BerthDataSource(p))
                .hasMessageContaining("unknown BerthDataSource property \"maxPoolSize\"")
                .hasMessageContaining("maximumPoolSize");
    }

    @Test
    void badPropertyValuesNameSettingAndValue() {
        Properties p = new Properties();
        p.setProperty("maximumPoolSize", "ten");
        assertThatThrownBy(() -> new BerthDataSource(p)).hasMessage("maximumPoolSize is \"ten\" but must be a whole number");

        Properties q = new Properties();
        q.setProperty("readOnly", "yes");
        assertThatThrownBy(() -> new BerthDataSource(q)).hasMessage("readOnly is \"yes\" but must be true or false");
    }

    @Test
    void otherDriverClassesAreRefused() {
        Properties p = new Properties();
        p.setProperty("driverClassName", "com.mysql.cj.jdbc.Driver");

        assertThatThrownBy(() -> new BerthDataSource(p)).hasMessageContaining("always uses org.postgresql.Driver");
    }

    @Test
    void theStandardFatalErrorRuleIsTheDefaultAndABuilderReplacesIt() {
        FatalErrorRule mine = (failure, context) -> FatalErrorRule.Verdict.NOT_FATAL;

        assertThat(new BerthDataSource().getFatalErrorRule()).isSameAs(FatalErrorRule.standard());
        assertThat(BerthDataSource.builder().jdbcUrl(URL).fatalErrorRule(mine).build().getFatalErrorRule()).isSameAs(mine);
    }

    @Test
    void aFatalErrorRuleClassNameThatCannotBeLoadedOrIsNoRuleIsRefusedNamingIt() {
        Properties missing = new Properties();
        missing.setProperty("fatalErrorRuleClassName", "com.acme.NoSuchRule");
        assertThatThrownBy(() -> new BerthDataSource(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fatalErrorRuleClassName is \"com.acme.NoSuchRule\" but no such class can be loaded");

        Properties notARule = new Properties();
        notARule.setProperty("fatalErrorRuleClassName", "java.lang.String");
        assertThatThrownBy(() -> new BerthDataSource(notARule))
                .hasMessage("fatalErrorRuleClassName is \"java.lang.String\" but that class does not implement dev.berth.jdbc.FatalErrorRule");
    }

    /** A provider named in a properties file; public with a no-argument constructor, as the property requires. */
    public static final class FixedCredentials implements CredentialsProvider {
        @Override
        public Credentials credentials() {
            return new Credentials("app", "from-a-file-provider");
        }
    }

    @Test
    void aCredentialsProviderIsTakenByClassNameAndABadOneIsRefusedNamingIt() {
        Properties named = new Properties();
        named.setProperty("jdbcUrl", URL);
        named.setProperty("credentialsProviderClassName", FixedCredentials.class.getName());
        assertThat(new BerthDataSource(named).getCredentialsProvider()).isInstanceOf(FixedCredentials.class);

        Properties notAProvider = new Properties();
        notAProvider.setProperty("credentialsProviderClassName", "java.lang.String");
        assertThatThrownBy(() -> new BerthDataSource(notAProvider)).hasMessage("credentialsProviderClassName is"
                + " \"java.lang.String\" but that class does not implement dev.berth.jdbc.CredentialsProvider");
    }

    @Test
    void builderCannotBeReusedAfterBuild() {
        BerthDataSourceBuilder builder = BerthDataSource.builder().jdbcUrl(URL);
        builder.build();

        assertThatThrownBy(() -> builder.maximumPoolSize(3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void toStringNeverShowsPasswords() {
        BerthDataSource ds = BerthDataSource.fromUrl("postgres://app:url-secret@db/orders");
        ds.setPassword("explicit-secret");
        ds.addDataSourceProperty("sslpassword", "key-secret");

        assertThat(ds.toString())
                .contains("username=app", "jdbcUrl=jdbc:postgresql://db/orders")
                .doesNotContain("url-secret", "explicit-secret", "key-secret");
    }

    @Test
    void passwordInAJdbcUrlParameterIsMaskedInToString() {
        BerthDataSource ds = BerthDataSource.fromUrl("jdbc:postgresql://db/orders?password=param-secret");

        assertThat(ds.toString()).doesNotContain("param-secret").contains("password=***");
    }

    @Test
    void otherCredentialsAreRefusedClearly() {
        BerthDataSource ds = BerthDataSource.fromUrl("postgres://app:pw@db/orders");

        assertThatThrownBy(() -> ds.getConnection("admin", "other"))
                .isInstanceOf(SQLFeatureNotSupportedException.class)
                .hasMessageContaining("user app only")
                .hasMessageNotContaining("pw");
    }

    @Test
    void statsBeforeStartAreZero() {
        BerthDataSource ds = BerthDataSource.fromUrl(URL);
        ds.setPoolName("idle-pool");

        assertThat(ds.stats().name()).isEqualTo("idle-pool");
        assertThat(ds.stats().total()).isZero();
        assertThat(ds.stats().maxSize()).isEqualTo(10);
        assertThat(ds.stats().minIdle()).isEqualTo(10); // minimumIdle unset: HikariCP's default, the pool's size
        ds.setMinimumIdle(2);
        assertThat(ds.stats().minIdle()).isEqualTo(2);
    }

    @Test
    void loginTimeoutIsConnectionTimeoutInSeconds() throws SQLException {
        BerthDataSource ds = new BerthDataSource();
        ds.setLoginTimeout(3);

        assertThat(ds.getConnectionTimeout()).isEqualTo(3_000);
        assertThat(ds.getLoginTimeout()).isEqualTo(3);
    }

    @Test
    void startAfterCloseFails() {
        BerthDataSource ds = BerthDataSource.fromUrl(URL);
        ds.close();

        assertThatThrownBy(ds::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void sessionResetComesFromPropertiesAndABadValueNamesTheChoices() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", URL);
        p.setProperty("sessionReset", "JDBC");
        assertThat(new BerthDataSource(p).getSessionReset()).isEqualTo(SessionReset.JDBC);

        p.setProperty("sessionReset", "discard");
        assertThatThrownBy(() -> new BerthDataSource(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sessionReset is \"discard\" but must be full")
                .hasMessageContaining("or jdbc");
    }

    @Test
    void thePgBouncerProfileTurnsOffServerPreparedStatementsAndTheFullReset() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", URL);
        p.setProperty("pgBouncerTransactionMode", "true");
        BerthDataSource ds = new BerthDataSource(p);

        assertThat(ds.isPgBouncerTransactionMode()).isTrue();
        assertThat(ds.getSessionReset()).isEqualTo(SessionReset.JDBC);
        assertThat(new PgConnectionFactory(ds.validatedSettings()).driverProperties().getProperty("prepareThreshold")).isEqualTo("0");
        assertThat(new PgConnectionFactory(BerthDataSource.builder().jdbcUrl(URL).build().validatedSettings())
                .driverProperties().getProperty("prepareThreshold")).as("without the profile: pgjdbc's default").isNull();
    }

    @Test
    void thePgBouncerProfileLeavesAnExplicitPrepareThresholdAlone() {
        BerthDataSource ds = BerthDataSource.builder().jdbcUrl(URL).pgBouncerTransactionMode(true)
                .dataSourceProperty("prepareThreshold", "5").build(); // PgBouncer 1.21+ with max_prepared_statements

        assertThat(new PgConnectionFactory(ds.validatedSettings()).driverProperties().getProperty("prepareThreshold")).isEqualTo("5");
    }

    @Test
    void sessionSettingsBehindAPgBouncerInTransactionModeFailAtBuildSayingWhatToDo() {
        assertThatThrownBy(() -> BerthDataSource.builder().jdbcUrl(URL).pgBouncerTransactionMode(true).schema("app").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("schema is \"app\" but pgBouncerTransactionMode is on")
                .hasMessageContaining("ALTER ROLE app SET search_path");
        assertThatThrownBy(() -> BerthDataSource.builder().jdbcUrl(URL).pgBouncerTransactionMode(true)
                .sessionReset(SessionReset.FULL).build())
                .hasMessageStartingWith("sessionReset is full but pgBouncerTransactionMode is on");
        assertThatThrownBy(() -> BerthDataSource.builder().jdbcUrl(URL).pgBouncerTransactionMode(true)
                .transactionIsolation("TRANSACTION_SERIALIZABLE").build())
                .hasMessageStartingWith("transactionIsolation is TRANSACTION_SERIALIZABLE but pgBouncerTransactionMode is on");
        assertThatThrownBy(() -> BerthDataSource.builder().jdbcUrl(URL).pgBouncerTransactionMode(true)
                .connectionInitSql("SET work_mem = '64MB'").build())
                .hasMessageStartingWith("connectionInitSql is set but pgBouncerTransactionMode is on");
    }
}
