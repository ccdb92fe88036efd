package dev.berth.jdbc;

import java.util.Properties;

/**
 * Builds a {@link BerthDataSource} with HikariCP's setting names; {@link #build()} checks the settings
 * together. Each method checks its own value and throws {@link IllegalArgumentException} naming it.
 * Not thread-safe; use one builder for one data source.
 *
 * {@snippet :
 * BerthDataSource db = BerthDataSource.builder()
 *         .jdbcUrl("postgres://app:secret@localhost:5432/app")
 *         .maximumPoolSize(10)
 *         .transactionIsolation("TRANSACTION_READ_COMMITTED")
 *         .build();
 * }
 */
public final class BerthDataSourceBuilder {

    private BerthDataSource target;

    BerthDataSourceBuilder(BerthDataSource target) {
        this.target = target;
    }

    private BerthDataSource target() {
        if (target == null) {
            throw new IllegalStateException("this builder already built its BerthDataSource; start a new one with BerthDataSource.builder()");
        }
        return target;
    }

    /** @param url see {@link BerthDataSource#setJdbcUrl}; @return this builder */
    public BerthDataSourceBuilder jdbcUrl(String url) { target().setJdbcUrl(url); return this; }
    /** @param username see {@link BerthDataSource#setUsername}; @return this builder */
    public BerthDataSourceBuilder username(String username) { target().setUsername(username); return this; }
    /** @param password see {@link BerthDataSource#setPassword}; @return this builder */
    public BerthDataSourceBuilder password(String password) { target().setPassword(password); return this; }
    /** @param size see {@link BerthDataSource#setMaximumPoolSize}; @return this builder */
    public BerthDataSourceBuilder maximumPoolSize(int size) { target().setMaximumPoolSize(size); return this; }
    /** @param idle see {@link BerthDataSource#setMinimumIdle}; @return this builder */
    public BerthDataSourceBuilder minimumIdle(int idle) { target().setMinimumIdle(idle); return this; }
    /** @param millis see {@link BerthDataSource#setConnectionTimeout}; @return this builder */
    public BerthDataSourceBuilder connectionTimeout(long millis) { target().setConnectionTimeout(millis); return this; }
    /** @param millis see {@link BerthDataSource#setIdleTimeout}; @return this builder */
    public BerthDataSourceBuilder idleTimeout(long millis) { target().setIdleTimeout(millis); return this; }
    /** @param millis see {@link BerthDataSource#setMaxLifetime}; @return this builder */
    public BerthDataSourceBuilder maxLifetime(long millis) { target().setMaxLifetime(millis); return this; }
    /** @param millis see {@link BerthDataSource#setKeepaliveTime}; @return this builder */
    public BerthDataSourceBuilder keepaliveTime(long millis) { target().setKeepaliveTime(millis); return this; }
    /** @param millis see {@link BerthDataSource#setValidationTimeout}; @return this builder */
    public BerthDataSourceBuilder validationTimeout(long millis) { target().setValidationTimeout(millis); return this; }
    /** @param millis see {@link BerthDataSource#setCreateTimeout}; @return this builder */
    public BerthDataSourceBuilder createTimeout(long millis) { target().setCreateTimeout(millis); return this; }
    /** @param millis see {@link BerthDataSource#setLeakDetectionThreshold} (stored only, for now); @return this builder */
    public BerthDataSourceBuilder leakDetectionThreshold(long millis) { target().setLeakDetectionThreshold(millis); return this; }
    /** @param rule see {@link BerthDataSource#setFatalErrorRule}; @return this builder */
    public BerthDataSourceBuilder fatalErrorRule(FatalErrorRule rule) { target().setFatalErrorRule(rule); return this; }
    /** @param provider see {@link BerthDataSource#setCredentialsProvider}; @return this builder */
    public BerthDataSourceBuilder credentialsProvider(CredentialsProvider provider) { target().setCredentialsProvider(provider); return this; }
    /** @param name see {@link BerthDataSource#setPoolName}; @return this builder */
    public BerthDataSourceBuilder poolName(String name) { target().setPoolName(name); return this; }
    /** @param autoCommit see {@link BerthDataSource#setAutoCommit}; @return this builder */
    public BerthDataSourceBuilder autoCommit(boolean autoCommit) { target().setAutoCommit(autoCommit); return this; }
    /** @param readOnly see {@link BerthDataSource#setReadOnly}; @return this builder */
    public BerthDataSourceBuilder readOnly(boolean readOnly) { target().setReadOnly(readOnly); return this; }
    /** @param isolation see {@link BerthDataSource#setTransactionIsolation}; @return this builder */
    public BerthDataSourceBuilder transactionIsolation(String isolation) { target().setTransactionIsolation(isolation); return this; }
    /** @param schema see {@link BerthDataSource#setSchema}; @return this builder */
    public BerthDataSourceBuilder schema(String schema) { target().setSchema(schema); return this; }
    /** @param sql see {@link BerthDataSource#setConnectionInitSql}; @return this builder */
    public BerthDataSourceBuilder connectionInitSql(String sql) { target().setConnectionInitSql(sql); return this; }
    /** @param mode see {@link BerthDataSource#setSessionReset}; @return this builder */
    public BerthDataSourceBuilder sessionReset(SessionReset mode) { target().setSessionReset(mode); return this; }
    /** @param on see {@link BerthDataSource#setPgBouncerTransactionMode}; @return this builder */
    public BerthDataSourceBuilder pgBouncerTransactionMode(boolean on) { target().setPgBouncerTransactionMode(on); return this; }
    /** @param properties see {@link BerthDataSource#setDataSourceProperties}; @return this builder */
    public BerthDataSourceBuilder dataSourceProperties(Properties properties) { target().setDataSourceProperties(properties); return this; }
    /** @param name a pgjdbc property; @param value its value; @return this builder */
    public BerthDataSourceBuilder dataSourceProperty(String name, Object value) { target().addDataSourceProperty(name, value); return this; }

    /**
     * Checks the settings together and returns the data source, not started yet (it starts on the first
     * {@code getConnection()} or on {@link BerthDataSource#start()}).
     *
     * @return the data source
     * @throws IllegalArgumentException naming the first bad setting and its value
     */
    public BerthDataSource build() {
        BerthDataSource built = target();
        built.validatedSettings();
        target = null;
        return built;
    }
}
