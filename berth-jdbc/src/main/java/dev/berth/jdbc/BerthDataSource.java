package dev.berth.jdbc;

import dev.berth.internal.Checks;

import dev.berth.pool.DrainReport;
import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolClosedException;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolException;
import dev.berth.pool.PoolStats;
import dev.berth.pool.PoolTimeoutException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A pooled PostgreSQL {@link DataSource}: every {@link Connection} it hands out is a berth lease, and
 * {@link Connection#close()} gives it back after a reset (an open transaction is rolled back; autocommit,
 * isolation, read-only, schema and catalog go back to the configured values; statements left open are closed; and
 * by default whatever raw SQL left in the session, {@code SET ROLE} included, is undone: {@link #setSessionReset}). Connections that lost their server are destroyed, not reused, and
 * make the pool check the others; a primary that turned read-only makes it replace them all
 * ({@link #setFatalErrorRule}).
 *
 * <p>It takes HikariCP's property names and defaults, so moving from {@code HikariDataSource} means changing
 * one class name: JavaBean setters (Spring, JNDI), a {@link Properties} object (same keys, driver properties
 * under {@code dataSource.}), or a {@link #builder()}. Besides {@code jdbc:postgresql:} URLs it takes the
 * {@code DATABASE_URL} form {@code postgres://user:password@host:5432/db?sslmode=require} ({@link #fromUrl}).
 *
 * {@snippet :
 * try (BerthDataSource db = BerthDataSource.builder()
 *         .jdbcUrl("jdbc:postgresql://localhost:5432/app")
 *         .username("app")
 *         .password(System.getenv("DB_PASSWORD"))
 *         .maximumPoolSize(10)
 *         .build();
 *      Connection c = db.getConnection();
 *      PreparedStatement ps = c.prepareStatement("select name from users where id = ?")) {
 *     ps.setLong(1, 42);
 *     // ...
 * }
 * }
 *
 * <p>Lifecycle: the pool starts on the first {@link #getConnection()} or on {@link #start()}. From then on the
 * pool's sizes, timeouts and thresholds still change live, as with HikariCP's config MXBean
 * ({@code maximumPoolSize}, {@code minimumIdle}, {@code connectionTimeout}, {@code idleTimeout}, {@code maxLifetime},
 * {@code keepaliveTime}, {@code validationTimeout}, {@code leakDetectionThreshold}, {@code slowLeaseThreshold},
 * {@code callSites}, {@code registerMbeans}; see {@link dev.berth.pool.Pool#reconfigure} for what each change does),
 * while the other settings are frozen and their setters throw {@link IllegalStateException}. Invalid settings fail
 * at the setter, or at start when they depend on each other, with a message naming the setting and its value.
 * {@link #close(Duration)} closes gracefully; {@link #suspend()} and {@link #resume()} pause lending.
 * Passwords never appear in {@link #toString()}, logs or exception messages.
 *
 * <p>Thread safety: every method may be called from any thread. {@link #getConnection()} is the hot path and
 * takes no lock; waiting for a connection parks the caller (cheap on virtual threads) in a fair queue.
 */
public final class BerthDataSource implements DataSource, AutoCloseable {

    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Settings settings = new Settings();
    private volatile Pool<PhysicalConnection> pool;
    /** Set before {@link #pool}, whose volatile write publishes it. */
    private volatile FatalErrors fatalErrors;
    private volatile boolean closed;
    private volatile String runningName;
    private volatile Settings running;
    private volatile Secrets secrets = new Secrets();
    private volatile PrintWriter logWriter;

    /** Creates an unconfigured data source; set at least {@link #setJdbcUrl jdbcUrl} before use. */
    public BerthDataSource() {
    }

    /**
     * Creates a data source from properties with HikariCP's keys ({@code jdbcUrl}, {@code username},
     * {@code maximumPoolSize}, ...); keys starting with {@code dataSource.} (or {@code dataSourceProperties.})
     * become pgjdbc properties.
     *
     * {@snippet :
     * Properties p = new Properties();
     * p.setProperty("jdbcUrl", "postgres://app:secret@db:5432/app");
     * p.setProperty("maximumPoolSize", "20");
     * p.setProperty("dataSource.sslmode", "require");
     * BerthDataSource db = new BerthDataSource(p);
     * }
     *
     * @param properties the settings
     * @throws IllegalArgumentException for an unknown key or a bad value, naming both
     */
    public BerthDataSource(Properties properties) {
        PropertyNames.apply(properties, this);
    }

    /**
     * Creates a data source for a {@code postgres://user:password@host:port/db?sslmode=...},
     * {@code postgresql://...} or {@code jdbc:postgresql://...} URL, as found in {@code DATABASE_URL}.
     *
     * {@snippet :
     * BerthDataSource db = BerthDataSource.fromUrl(System.getenv("DATABASE_URL"));
     * }
     *
     * @param url the database URL; user and password in it are percent-decoded
     * @return a data source with default pool settings, not started yet
     * @throws IllegalArgumentException when the URL is missing or not a PostgreSQL URL
     */
    public static BerthDataSource fromUrl(String url) {
        BerthDataSource dataSource = new BerthDataSource();
        dataSource.setJdbcUrl(url);
        return dataSource;
    }

    /** @return a builder for a data source, with HikariCP's setting names and defaults */
    public static BerthDataSourceBuilder builder() {
        return new BerthDataSourceBuilder(new BerthDataSource());
    }

    // ---- lifecycle -------------------------------------------------------------------------------------

    /**
     * Checks the settings and starts the pool, which then opens {@code minimumIdle} connections in the
     * background. Does nothing when already started. Optional: the first {@link #getConnection()} starts it.
     *
     * @throws IllegalArgumentException naming the first bad setting and its value
     * @throws IllegalStateException when the data source was closed
     */
    public void start() {
        startPool();
    }

    private Pool<PhysicalConnection> startPool() {
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException(closedMessage());
            }
            if (pool == null) {
                settings.validate();
                Settings frozen = settings.copy();
                PoolConfig config = frozen.toPoolConfig(); // may still refuse a setting; nothing has changed yet
                runningName = config.name();
                running = frozen;
                settings.poolName = runningName;
                secrets = frozen.secrets();
                Pool<PhysicalConnection> opened = Pool.open(config, new PgConnectionFactory(frozen));
                fatalErrors = new FatalErrors(frozen.fatalErrorRule, frozen.readOnly, runningName, opened::evict, opened::revalidate);
                pool = opened;
            }
            return pool;
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Borrows a connection, starting the pool if needed and waiting up to {@code connectionTimeout}.
     * Closing the connection gives it back.
     *
     * @return a pooled connection
     * @throws SQLTransientConnectionException when none became free in time or none could be opened; the
     *         message explains the pool's state, the cause carries the last connection failure
     * @throws SQLNonTransientConnectionException when the settings are invalid or the data source is closed
     */
    @Override
    public Connection getConnection() throws SQLException {
        Pool<PhysicalConnection> current = pool;
        if (current == null) {
            current = startOrExplain();
        }
        Lease<PhysicalConnection> lease;
        try {
            lease = current.acquire();
        } catch (PoolTimeoutException e) { // PoolOverloadedException included: shed at once under overload
            PoolConfig now = current.config(); // live: also what JMX changed
            throw unavailable(e, " [BerthDataSource settings: connectionTimeout=" + now.acquireTimeout().toMillis()
                    + " ms, maximumPoolSize=" + now.maxSize() + ", overloadPolicy=" + now.overloadPolicy() + "]");
        } catch (PoolClosedException e) {
            // while a graceful close drains, the pool's own words: it is closing, and only waiting callers are served
            throw new SQLNonTransientConnectionException(current.isClosed() ? closedMessage() : e.getMessage(), "08003", e);
        } catch (PoolException e) {
            throw unavailable(e, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while waiting for a connection from pool "
                    + runningName + "; nothing was borrowed", "08001", e);
        }
        return new PooledConnection(lease, fatalErrors);
    }

    private Pool<PhysicalConnection> startOrExplain() throws SQLException {
        try {
            return startPool();
        } catch (IllegalArgumentException e) {
            throw new SQLNonTransientConnectionException("BerthDataSource cannot start: " + e.getMessage(), "08001", e);
        } catch (IllegalStateException e) {
            throw new SQLNonTransientConnectionException(e.getMessage(), "08003", e);
        }
    }

    /**
     * The pool's explanation (it names the pool, its state and the last connection failure), as JDBC wants it. The
     * text is put together when first read: a pool timing out or shedding thousands of borrowers a second renders no
     * report nobody reads.
     */
    private SQLTransientConnectionException unavailable(PoolException failure, String settings) {
        Secrets known = secrets;
        Throwable cause = failure.getCause();
        String state = cause instanceof SQLException sql && sql.getSQLState() != null ? sql.getSQLState() : "08001";
        return new Unavailable(() -> {
            String reason = cause == null || String.valueOf(failure.getMessage()).contains(String.valueOf(cause.getMessage()))
                    ? "" : " Last connection failure: " + cause.getMessage();
            return known.mask(failure.getMessage() + reason + settings);
        }, state, known.scrub(failure));
    }

    /** A {@link SQLTransientConnectionException} whose message is rendered when first read. */
    private static final class Unavailable extends SQLTransientConnectionException {
        private static final long serialVersionUID = 1L;
        private transient volatile java.util.function.Supplier<String> render;
        private volatile String message;

        Unavailable(java.util.function.Supplier<String> render, String state, Throwable cause) {
            super(null, state, cause);
            this.render = render;
        }

        @Override
        public String getMessage() {
            String rendered = message;
            java.util.function.Supplier<String> pending = render;
            if (rendered == null && pending != null) {
                rendered = pending.get();
                message = rendered;
                render = null;
            }
            return rendered;
        }

        private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
            getMessage();
            out.defaultWriteObject();
        }
    }

    /**
     * Borrows a connection for the given credentials, which must be the configured ones: a pool holds
     * connections of one user.
     *
     * @param username must equal the configured username
     * @param password must equal the configured password
     * @return a pooled connection
     * @throws SQLFeatureNotSupportedException when the credentials differ from the configured ones
     */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        String user;
        String pass;
        lifecycle.lock();
        try {
            user = settings.effectiveUser();
            pass = settings.effectivePassword();
        } finally {
            lifecycle.unlock();
        }
        if (!Objects.equals(user, username) || !Objects.equals(pass == null ? "" : pass, password == null ? "" : password)) {
            throw new SQLFeatureNotSupportedException("BerthDataSource pools connections of user " + user
                    + " only and cannot open connections for other credentials (user " + username
                    + "); create a separate BerthDataSource for that user");
        }
        return getConnection();
    }

    /**
     * Who holds the pool's connections right now, for how long, doing what and where: the same report a
     * connection timeout carries. Empty before the pool starts.
     *
     * @return a snapshot report
     */
    public dev.berth.pool.PoolReport report() {
        Pool<PhysicalConnection> current = pool;
        return current != null ? current.report() : new dev.berth.pool.PoolReport(stats(), null, java.util.List.of());
    }

    /**
     * The pool's counters and latency percentiles; all zero before the pool starts.
     *
     * @return a snapshot
     */
    public PoolStats stats() {
        Pool<PhysicalConnection> current = pool;
        if (current != null) {
            return current.stats();
        }
        PoolStats.Percentiles none = new PoolStats.Percentiles(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        String name = get(s -> s.poolName == null ? "BerthDataSource (not started)" : s.poolName);
        return new PoolStats(name, 0, 0, 0, 0, false, get(s -> s.maximumPoolSize), get(Settings::effectiveMinimumIdle),
                0, 0, 0, 0, 0, 0, none, none);
    }

    /**
     * Retires every connection the pool has now, softly: idle ones close at once, borrowed ones when their
     * borrower closes them, and the pool opens fresh ones as needed. After a failover, a password rotation or a
     * DNS change. Does nothing before the pool starts or after close. HikariCP calls this
     * {@code softEvictConnections()}; {@link #softEvictConnections()} is the same call.
     * {@snippet :
     * dataSource.evict();   // the old primary is gone: no borrower gets one of its connections again
     * }
     */
    public void evict() {
        Pool<PhysicalConnection> current = pool;
        if (current != null) {
            current.evict();
        }
    }

    /** HikariCP's name for {@link #evict()}. */
    public void softEvictConnections() {
        evict();
    }

    /** @return what the data source did about fatal errors so far; {@code null} before start (for tests) */
    FatalErrors fatalErrors() {
        return fatalErrors;
    }

    /** @return whether the pool has started and is not closed */
    public boolean isRunning() {
        return pool != null && !closed;
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the pool: new borrows fail, waiting callers get an error, idle connections close, and
     * connections still borrowed are awaited briefly and then closed. Idempotent.
     */
    @Override
    public void close() {
        Pool<PhysicalConnection> current = markClosed();
        if (current != null) {
            current.close();
        }
    }

    /** Marks the data source closed (no setter, no start from now on) and returns its pool, if it started. */
    private Pool<PhysicalConnection> markClosed() {
        lifecycle.lock();
        try {
            closed = true;
            return pool;
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Closes gracefully, for a service shutting down ({@link Pool#close(Duration)}): new borrowers are refused at once
     * with a {@link SQLNonTransientConnectionException} saying the pool is closing, connections out are left to be
     * returned, and callers already waiting are still served; then the pool closes, at the latest when
     * {@code grace} runs out. Returns what it served and what it cut off (also logged).
     * {@snippet :
     * DrainReport report = dataSource.close(Duration.ofSeconds(20));
     * }
     *
     * @param grace the longest to wait for connections out and callers waiting
     * @return what the close served and cut off; an empty report when the pool never started or was closed already
     */
    public DrainReport close(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace is " + grace + " but must be zero or more, e.g. Duration.ofSeconds(20)");
        }
        Pool<PhysicalConnection> current = markClosed();
        return current != null ? current.close(grace) : new DrainReport(Duration.ZERO, 0, 0, 0, 0, 0);
    }

    /**
     * Registers a JVM shutdown hook (SIGTERM, Ctrl-C, {@link System#exit}) that closes this data source with
     * {@link #close(Duration) close(grace)}.
     *
     * @param grace the longest the close may wait
     * @return the hook, for {@link Runtime#removeShutdownHook}
     */
    public Thread closeOnShutdown(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace is " + grace + " but must be zero or more, e.g. Duration.ofSeconds(20)");
        }
        Thread hook = new Thread(() -> close(grace), "berth-" + get(s -> s.poolName) + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /**
     * Stops lending connections until {@link #resume()} ({@link Pool#suspend()}): borrowers wait, up to
     * {@code connectionTimeout}, and no connection is opened. With {@link #evict()} in between, for maintenance such
     * as a manual switch-over. Starts the pool if needed.
     */
    public void suspend() {
        startPool().suspend();
    }

    /** Lends connections again, to the borrowers that waited first; see {@link #suspend()}. */
    public void resume() {
        Pool<PhysicalConnection> current = pool;
        if (current != null) {
            current.resume();
        }
    }

    /** @return whether the pool is suspended */
    public boolean isSuspended() {
        Pool<PhysicalConnection> current = pool;
        return current != null && current.isSuspended();
    }

    private String closedMessage() {
        return "BerthDataSource " + (runningName == null ? "" : runningName + " ")
                + "is closed; connections can no longer be borrowed from it (create a new one to reconnect)";
    }

    // ---- settings plumbing -----------------------------------------------------------------------------

    /**
     * Applies a change of a setting the running pool can take ({@link Pool#reconfigure}); before start, like
     * {@link #set}. The change is checked on a copy of the running settings first, so a refused one changes nothing.
     */
    void setLive(String setting, Consumer<Settings> change) {
        lifecycle.lock();
        try {
            Pool<PhysicalConnection> current = pool;
            if (current == null || closed) {
                set(setting, change);
                return;
            }
            Settings next = running.copy();
            change.accept(next);
            next.validate();
            next.poolName = runningName;
            PoolConfig config = next.toPoolConfig();
            current.reconfigure(builder -> config.toBuilder());
            change.accept(settings);
            running = next;
        } finally {
            lifecycle.unlock();
        }
    }

    /** Applies a change while the pool has not started yet; fails naming the setting afterwards. */
    void set(String setting, Consumer<Settings> change) {
        lifecycle.lock();
        try {
            if (pool != null || closed) {
                throw new IllegalStateException(setting + " cannot change: BerthDataSource " + runningName
                        + " has " + (closed ? "been closed" : "started")
                        + " and its settings are frozen; set it before start() or the first getConnection()");
            }
            change.accept(settings);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * A setting the running pool can change, also through JMX: read from the pool while it runs, so the getter and
     * the MXBean agree; from the settings before start.
     */
    private <T> T live(Function<PoolConfig, T> running, Function<Settings, T> configured) {
        Pool<PhysicalConnection> current = pool;
        return current != null && !closed ? running.apply(current.config()) : get(configured);
    }

    <T> T get(Function<Settings, T> reader) {
        lifecycle.lock();
        try {
            return reader.apply(settings);
        } finally {
            lifecycle.unlock();
        }
    }

    /** @return a copy of the current settings, checked as start would check them (for the builder and tests) */
    Settings validatedSettings() {
        return get(s -> {
            s.validate();
            return s.copy();
        });
    }

    @Override
    public String toString() {
        String state = closed ? "closed" : pool != null ? "running" : "not started";
        return "BerthDataSource{" + state + ", poolName=" + get(s -> s.poolName) + ", " + get(Settings::toString) + '}';
    }

    // ---- JavaBean settings (HikariCP names and defaults) -----------------------------------------------

    /**
     * @param jdbcUrl {@code jdbc:postgresql://host:5432/db}, or {@code postgres://user:password@host:5432/db?...}
     *        whose user and password become the defaults for {@link #setUsername} and {@link #setPassword}
     * @throws IllegalArgumentException when it is not a PostgreSQL URL
     */
    public void setJdbcUrl(String jdbcUrl) { set("jdbcUrl", s -> s.jdbcUrl(jdbcUrl)); }
    /** @return the {@code jdbc:postgresql:} URL (credentials of a {@code postgres://} URL removed) */
    public String getJdbcUrl() { return get(s -> s.jdbcUrl); }

    /**
     * Accepted for HikariCP configurations that name the driver; berth always uses pgjdbc.
     *
     * @param className must be {@code org.postgresql.Driver}
     * @throws IllegalArgumentException for any other driver class
     */
    public void setDriverClassName(String className) { PropertyNames.checkDriver(className); }
    /** @return {@code org.postgresql.Driver}, the only driver berth uses */
    public String getDriverClassName() { return PropertyNames.DRIVER; }

    /** @param username the database user; overrides a user given in the URL */
    public void setUsername(String username) { set("username", s -> s.username = username); }
    /** @return the database user (from the URL unless set) */
    public String getUsername() { return get(Settings::effectiveUser); }

    /** @param password the database password; overrides a password given in the URL; never shown */
    public void setPassword(String password) { set("password", s -> s.password = password); }
    /** @return the database password (for JavaBean tools; berth never prints it) */
    public String getPassword() { return get(Settings::effectivePassword); }

    /** @param size most connections open at once, idle and in use (default 10, at least 1) */
    public void setMaximumPoolSize(int size) { setLive("maximumPoolSize", s -> s.maximumPoolSize(size)); }
    /** @return most connections open at once */
    public int getMaximumPoolSize() { return live(PoolConfig::maxSize, s -> s.maximumPoolSize); }

    /** @param idle idle connections kept ready (default: same as maximumPoolSize, a fixed-size pool) */
    public void setMinimumIdle(int idle) { setLive("minimumIdle", s -> s.minimumIdle(idle)); }
    /** @return idle connections kept ready (maximumPoolSize unless set) */
    public int getMinimumIdle() { return live(PoolConfig::minIdle, Settings::effectiveMinimumIdle); }

    /** @param millis longest wait in {@link #getConnection()} (default 30,000 ms, positive) */
    public void setConnectionTimeout(long millis) { setLive("connectionTimeout", s -> s.connectionTimeout = Checks.positiveMillis("connectionTimeout", millis)); }
    /** @return longest wait in {@link #getConnection()}, in ms */
    public long getConnectionTimeout() { return live(c -> c.acquireTimeout().toMillis(), s -> s.connectionTimeout); }

    /** @param millis idle time after which connections above minimumIdle close (default 600,000 ms; 0 = never) */
    public void setIdleTimeout(long millis) { setLive("idleTimeout", s -> s.idleTimeout = Checks.notNegativeMillis("idleTimeout", millis)); }
    /** @return idle time after which surplus connections close, in ms */
    public long getIdleTimeout() { return live(c -> c.idleTimeout().toMillis(), s -> s.idleTimeout); }

    /** @param millis age at which a connection is retired, with jitter (default 1,800,000 ms; 0 = never) */
    public void setMaxLifetime(long millis) { setLive("maxLifetime", s -> s.maxLifetime = Checks.notNegativeMillis("maxLifetime", millis)); }
    /** @return age at which a connection is retired, in ms */
    public long getMaxLifetime() { return live(c -> c.maxLifetime().toMillis(), s -> s.maxLifetime); }

    /** @param millis how often idle connections are pinged (default 120,000 ms; 0 = never) */
    public void setKeepaliveTime(long millis) { setLive("keepaliveTime", s -> s.keepaliveTime = Checks.notNegativeMillis("keepaliveTime", millis)); }
    /** @return how often idle connections are pinged, in ms */
    public long getKeepaliveTime() { return live(c -> c.keepaliveTime().toMillis(), s -> s.keepaliveTime); }

    /** @param millis longest a liveness check may take (default 5,000 ms, positive) */
    public void setValidationTimeout(long millis) { setLive("validationTimeout", s -> s.validationTimeout = Checks.positiveMillis("validationTimeout", millis)); }
    /** @return longest a liveness check may take, in ms */
    public long getValidationTimeout() { return live(c -> c.validationTimeout().toMillis(), s -> s.validationTimeout); }

    /**
     * The longest one connection attempt may take (default 10,000 ms). pgjdbc gets it as {@code connectTimeout} (in
     * whole seconds, rounded up) unless the URL or a data source property sets it, and the pool enforces it itself:
     * an attempt still running at the deadline counts as failed, its thread is interrupted, and a new attempt may
     * start, so an attempt lost in a network partition or stuck on a server that accepts and never answers cannot
     * keep the pool from refilling. Far above a healthy connect (TLS and
     * authentication across a region take well under a second), short enough to give the slot back quickly.
     *
     * @param millis longest one connection attempt may take (positive)
     */
    public void setCreateTimeout(long millis) { set("createTimeout", s -> s.createTimeout = Checks.positiveMillis("createTimeout", millis)); }
    /** @return the longest one connection attempt may take, in ms */
    public long getCreateTimeout() { return get(s -> s.createTimeout); }

    /**
     * A connection held longer than this is reported once as a possible leak, with the stack that borrowed
     * it (captured per borrow only while this is on); its return is reported too. Connections dropped
     * without {@code close()} are detected and replaced whatever this setting.
     *
     * @param millis hold time after which a borrowed connection counts as leaked (default 0 = off)
     */
    public void setLeakDetectionThreshold(long millis) { setLive("leakDetectionThreshold", s -> s.leakDetectionThreshold = Checks.notNegativeMillis("leakDetectionThreshold", millis)); }
    /** @return hold time after which a borrowed connection counts as leaked, in ms (0 = off) */
    public long getLeakDetectionThreshold() { return live(c -> c.leakDetectionThreshold().toMillis(), s -> s.leakDetectionThreshold); }

    /**
     * HikariCP's {@code dataSource} property: take physical connections from this data source (a pgjdbc
     * {@code PGSimpleDataSource}, or any source whose connections unwrap to pgjdbc's {@code BaseConnection})
     * instead of opening them from {@code jdbcUrl}. Credentials and driver properties then belong to it.
     *
     * @param dataSource the source of physical connections
     */
    public void setDataSource(javax.sql.DataSource dataSource) {
        java.util.Objects.requireNonNull(dataSource, "dataSource must not be null");
        set("dataSource", s -> s.dataSource = dataSource);
    }

    /** @param millis a connection held longer is logged with its call site when returned (default 0 = off) */
    public void setSlowLeaseThreshold(long millis) { setLive("slowLeaseThreshold", s -> s.slowLeaseThreshold = Checks.notNegativeMillis("slowLeaseThreshold", millis)); }
    /** @return the slow-lease threshold in ms (0 = off) */
    public long getSlowLeaseThreshold() { return live(c -> c.slowLeaseThreshold().toMillis(), s -> s.slowLeaseThreshold); }

    /** @param on record where connections are borrowed, within a budget of one stack per 10 ms per connection (default on) */
    public void setCallSites(boolean on) { setLive("callSites", s -> s.callSites = on); }
    /** @return whether borrow call sites are recorded */
    public boolean isCallSites() { return get(s -> s.callSites); }

    /**
     * HikariCP's {@code registerMbeans}: registers the pool's {@link dev.berth.pool.PoolMXBean} with the platform MBean
     * server while it runs, under {@code dev.berth:type=Pool,name=<poolName>}, for JConsole, jmx_exporter and the
     * like: its sizes and counters, its live settings, {@code suspend}, {@code resume}, {@code evict}.
     *
     * @param on register the MXBean (default off)
     */
    public void setRegisterMbeans(boolean on) { setLive("registerMbeans", s -> s.registerMbeans = on); }
    /** @return whether the pool's MXBean is registered while it runs */
    public boolean isRegisterMbeans() { return get(s -> s.registerMbeans); }

    /**
     * What the pool does when borrowers arrive faster than it serves them for longer than a moment
     * ({@link dev.berth.pool.OverloadPolicy}): {@code SHED} (the default) refuses at once, with a
     * {@link SQLTransientConnectionException} that says the pool's rate and the expected wait, a borrower that could not
     * be served within its {@code connectionTimeout} or its {@link dev.berth.pool.RequestDeadline}; {@code FIFO} lets
     * every borrower wait its whole timeout. Changes on a running pool.
     *
     * @param policy SHED or FIFO
     */
    public void setOverloadPolicy(String policy) { setLive("overloadPolicy", s -> s.overloadPolicy(policy)); }
    /** @return SHED or FIFO */
    public String getOverloadPolicy() { return live(c -> c.overloadPolicy().name(), s -> s.overloadPolicy.name()); }

    /** @param listener receives the pool's events, e.g. berth-micrometer's binding (default none) */
    public void setPoolListener(dev.berth.pool.PoolListener listener) {
        java.util.Objects.requireNonNull(listener, "poolListener must not be null; use PoolListener.NONE for none");
        set("poolListener", s -> s.poolListener = listener);
    }

    /**
     * The rule that decides what an error on a connection means (default {@link FatalErrorRule#standard()}): nothing,
     * the end of that connection, a server that went away (the pool {@linkplain dev.berth.pool.Pool#revalidate()
     * checks every other connection} before lending it again) or a primary that is no longer one (the pool
     * {@linkplain #evict() retires every connection}). With a multi-host URL and {@code targetServerType=primary},
     * the connections that replace them go to the new primary.
     *
     * <p>One pool-wide action per incident: when a server dies, every connection in use fails at about the same time,
     * and the first failure's action covers the others. A later failure acts again only when no action happened in
     * the last second, when its connection was opened after the last action, or when its verdict is stronger
     * (a failover after a restart).
     *
     * {@snippet :
     * FatalErrorRule missingPreparedStatement = (failure, context) -> "26000".equals(failure.getSQLState())
     *         ? FatalErrorRule.Verdict.CONNECTION
     *         : FatalErrorRule.Verdict.NOT_FATAL;
     * dataSource.setFatalErrorRule(missingPreparedStatement.orElse(FatalErrorRule.standard()));
     * }
     *
     * @param rule judges every {@link SQLException} a connection or statement of this pool throws
     */
    public void setFatalErrorRule(FatalErrorRule rule) {
        java.util.Objects.requireNonNull(rule, "fatalErrorRule must not be null; use FatalErrorRule.standard() for the default");
        set("fatalErrorRule", s -> s.fatalErrorRule = rule);
    }
    /** @return the rule that judges errors on connections */
    public FatalErrorRule getFatalErrorRule() { return get(s -> s.fatalErrorRule); }

    /**
     * Sets the {@linkplain #setFatalErrorRule fatal-error rule} by class name, for configuration files (property
     * {@code fatalErrorRuleClassName}): the class must implement {@link FatalErrorRule} and have a public no-argument
     * constructor; it is loaded through the thread's context class loader (berth's own when there is none) and
     * instantiated once, now.
     *
     * @param className the rule's fully qualified class name
     * @throws IllegalArgumentException when the class is missing, is no {@link FatalErrorRule}, or cannot be made
     */
    public void setFatalErrorRuleClassName(String className) { setFatalErrorRule(PropertyNames.newFatalErrorRule(className)); }

    /**
     * Credentials that rotate while the pool runs: the provider is asked for the user name and password of each new
     * connection (see {@link CredentialsProvider}, with an example of a token that expires). Rotated credentials
     * apply to new connections; {@link #evict()} moves the pool to them at once. A password set as well (the setter,
     * the URL or {@code dataSource.password}) is an error at start: one source of secrets.
     *
     * @param provider asked once per connection the pool opens
     */
    public void setCredentialsProvider(CredentialsProvider provider) {
        java.util.Objects.requireNonNull(provider, "credentialsProvider must not be null; leave it unset to use username and password");
        set("credentialsProvider", s -> s.credentialsProvider = provider);
    }
    /** @return the provider of each new connection's credentials, or {@code null} when they are static */
    public CredentialsProvider getCredentialsProvider() { return get(s -> s.credentialsProvider); }

    /**
     * Sets the {@linkplain #setCredentialsProvider credentials provider} by class name, for configuration files
     * (property {@code credentialsProviderClassName}): a public class implementing {@link CredentialsProvider} with a
     * public no-argument constructor, instantiated once, now.
     *
     * @param className the provider's fully qualified class name
     * @throws IllegalArgumentException when the class is missing, is no {@link CredentialsProvider}, or cannot be made
     */
    public void setCredentialsProviderClassName(String className) { setCredentialsProvider(PropertyNames.newCredentialsProvider(className)); }

    /** @param poolName names the pool in errors, stats and {@code application_name} (default "berth-jdbc-N") */
    public void setPoolName(String poolName) { set("poolName", s -> s.poolName = poolName); }
    /** @return the pool's name; {@code null} before start unless set */
    public String getPoolName() { return get(s -> s.poolName); }

    /** @param autoCommit autocommit mode of fresh and returned connections (default true) */
    public void setAutoCommit(boolean autoCommit) { set("autoCommit", s -> s.autoCommit = autoCommit); }
    /** @return autocommit mode of fresh and returned connections */
    public boolean isAutoCommit() { return get(s -> s.autoCommit); }

    /** @param readOnly read-only mode of fresh and returned connections (default false) */
    public void setReadOnly(boolean readOnly) { set("readOnly", s -> s.readOnly = readOnly); }
    /** @return read-only mode of fresh and returned connections */
    public boolean isReadOnly() { return get(s -> s.readOnly); }

    /**
     * @param isolation TRANSACTION_READ_UNCOMMITTED, TRANSACTION_READ_COMMITTED, TRANSACTION_REPEATABLE_READ
     *        or TRANSACTION_SERIALIZABLE; {@code null} (default) keeps the server's default
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    public void setTransactionIsolation(String isolation) { set("transactionIsolation", s -> s.transactionIsolation(isolation)); }
    /** @return the configured isolation name, or {@code null} for the server's default */
    public String getTransactionIsolation() { return get(s -> s.transactionIsolation); }

    /** @param schema schema of fresh and returned connections ({@code null}, the default, keeps search_path) */
    public void setSchema(String schema) { set("schema", s -> s.schema = schema); }
    /** @return the configured schema, or {@code null} */
    public String getSchema() { return get(s -> s.schema); }

    /** @param sql a statement run once on every new connection (default none) */
    public void setConnectionInitSql(String sql) { set("connectionInitSql", s -> s.connectionInitSql = sql); }
    /** @return the statement run on every new connection, or {@code null} */
    public String getConnectionInitSql() { return get(s -> s.connectionInitSql); }

    /**
     * How much of the session is cleaned when a borrower closes its connection (property {@code sessionReset}:
     * {@code full} or {@code jdbc}). The default, {@link SessionReset#FULL}, also undoes what raw SQL did
     * ({@code SET}, {@code SET ROLE}, advisory locks, temporary tables, {@code LISTEN}, ...) at the cost of one round
     * trip per borrow that used the connection; {@link SessionReset#JDBC} is HikariCP's behaviour. Behind PgBouncer in
     * transaction mode the default is {@code JDBC} (see {@link #setPgBouncerTransactionMode}).
     *
     * {@snippet :
     * dataSource.setSessionReset(SessionReset.JDBC); // HikariCP's reset: raw SET ROLE etc. reach the next borrower
     * }
     *
     * @param mode the reset; not {@code null}
     */
    public void setSessionReset(SessionReset mode) {
        java.util.Objects.requireNonNull(mode, "sessionReset must not be null; use SessionReset.FULL (the default) or SessionReset.JDBC");
        set("sessionReset", s -> s.sessionReset = mode);
    }
    /** @return the session reset in force (the configured one, or the default for the profile) */
    public SessionReset getSessionReset() { return get(Settings::effectiveSessionReset); }

    /**
     * The profile for PgBouncer in transaction pooling mode ({@code pool_mode = transaction}) or another transaction
     * pooler (property {@code pgBouncerTransactionMode}): each transaction, and each statement outside one, may run on
     * a different server connection. Then pgjdbc uses no server-prepared statements ({@code prepareThreshold=0},
     * unless set explicitly, e.g. for PgBouncer 1.21+ with {@code max_prepared_statements}), and the session reset
     * is {@link SessionReset#JDBC}: the open transaction is still rolled back on return, but a session-wide reset
     * would reach some server connection, not this one's next transaction. Session settings
     * ({@code transactionIsolation}, {@code schema}, {@code connectionInitSql}, {@code sessionReset=full}) are refused
     * at start for the same reason. {@link dev.berth.jdbc.tx.Database} works unchanged: it sets isolation and
     * read-only inside each transaction. PgBouncer in session mode needs no profile.
     *
     * {@snippet :
     * BerthDataSource db = BerthDataSource.builder()
     *         .jdbcUrl("jdbc:postgresql://pgbouncer:6432/app")
     *         .pgBouncerTransactionMode(true)
     *         .build();
     * }
     *
     * @param on whether connections go through a transaction pooler (default off)
     */
    public void setPgBouncerTransactionMode(boolean on) { set("pgBouncerTransactionMode", s -> s.pgBouncerTransactionMode = on); }
    /** @return whether the PgBouncer transaction-mode profile is on */
    public boolean isPgBouncerTransactionMode() { return get(s -> s.pgBouncerTransactionMode); }

    /** @param properties pgjdbc connection properties ({@code sslmode}, {@code ApplicationName}, ...), copied */
    public void setDataSourceProperties(Properties properties) {
        set("dataSourceProperties", s -> {
            s.dataSourceProperties = new Properties();
            s.dataSourceProperties.putAll(properties);
        });
    }
    /** @return a copy of the pgjdbc connection properties */
    public Properties getDataSourceProperties() { return get(s -> s.copy().dataSourceProperties); }

    /** @param name a pgjdbc property name; @param value its value (as text) */
    public void addDataSourceProperty(String name, Object value) {
        set("dataSourceProperties", s -> s.dataSourceProperties.setProperty(name, String.valueOf(value)));
    }

    // ---- DataSource plumbing ---------------------------------------------------------------------------

    /** @return the log writer set by {@link #setLogWriter}; berth logs through {@link System.Logger} */
    @Override
    public PrintWriter getLogWriter() { return logWriter; }

    /** @param out stored for JDBC compatibility; berth logs through {@link System.Logger} */
    @Override
    public void setLogWriter(PrintWriter out) { logWriter = out; }

    /** @param seconds sets connectionTimeout in seconds (0 leaves it unchanged); only before start */
    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        if (seconds > 0) {
            try {
                setConnectionTimeout(seconds * 1000L);
            } catch (IllegalStateException e) {
                throw new SQLException(e.getMessage(), "HY000", e);
            }
        }
    }

    /** @return connectionTimeout in whole seconds, rounded up */
    @Override
    public int getLoginTimeout() { return (int) ((getConnectionTimeout() + 999) / 1000); }

    /** @throws SQLFeatureNotSupportedException always: berth logs through {@link System.Logger} */
    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("berth logs through System.Logger, not java.util.logging");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("BerthDataSource wraps no " + iface.getName() + "; it implements DataSource itself");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
