package dev.berth.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.berth.jdbc.BerthDataSource;
import dev.berth.jdbc.Database;
import dev.berth.micrometer.PoolMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import javax.sql.DataSource;

/**
 * The pools the service runs on, wired for one {@link DemoConfig.Pools} mode: the primary PostgreSQL pool (a
 * {@link BerthDataSource}, or a {@link HikariDataSource} given to {@code Database.of} unchanged) and Redis
 * ({@link BerthRedis} or {@link JedisPoolRedis}). Every pool reports to the registry: berth's through
 * berth-micrometer, HikariCP through its own Micrometer tracker, JedisPool through {@link JedisPoolRedis}'s timers.
 * {@link #close()} closes them all.
 */
final class Backends implements AutoCloseable {
    static final String PRIMARY = "primary";

    final DataSource dataSource;
    final Database db;
    final PoolView primary;
    private final AutoCloseable closeDataSource;

    private Backends(DataSource dataSource, PoolView primary, AutoCloseable closeDataSource) {
        this.dataSource = dataSource;
        this.db = Database.builder().name(PRIMARY).primary(dataSource).build();
        this.primary = primary;
        this.closeDataSource = closeDataSource;
    }

    /** Opens the primary pool; it starts on first use (berth) or at once (HikariCP, which fails fast). */
    static Backends openDatabase(DemoConfig config, String databaseUrl, MeterRegistry registry) {
        return switch (config.pools()) {
            case BERTH -> berth(config, databaseUrl, registry);
            case HIKARI -> hikari(config, databaseUrl, registry);
        };
    }

    /** Opens Redis the same way as the database: berth's pool, or JedisPool. */
    static DemoRedis openRedis(DemoConfig config, String redisUrl, String namespace, MeterRegistry registry) {
        return switch (config.pools()) {
            case BERTH -> new BerthRedis(redisUrl, namespace, config.poolSize(), config.acquireTimeout(), registry);
            case HIKARI -> new JedisPoolRedis(redisUrl, namespace, config.poolSize(), config.acquireTimeout(), registry);
        };
    }

    private static Backends berth(DemoConfig config, String url, MeterRegistry registry) {
        BerthDataSource ds = BerthDataSource.fromUrl(url);
        ds.setPoolName(PRIMARY);
        ds.setMaximumPoolSize(config.poolSize());
        ds.setConnectionTimeout(config.acquireTimeout().toMillis());
        ds.setCallSites(true);                      // the dashboard and the starvation report name where leases were taken
        ds.setLeakDetectionThreshold(10_000);
        PoolMetrics metrics = PoolMetrics.install(registry, PRIMARY, "jdbc", ds::setPoolListener, ds::stats);
        PoolView view = PoolView.berth(PRIMARY, "postgresql", ds::stats, ds::report, registry);
        return new Backends(ds, view, () -> {
            try {
                ds.close();
            } finally {
                metrics.close();
            }
        });
    }

    private static Backends hikari(DemoConfig config, String url, MeterRegistry registry) {
        HikariConfig hc = new HikariConfig();
        // BerthDataSource reads DATABASE_URL's postgres://user:password@host/db form; HikariCP wants the parts.
        try (BerthDataSource parsed = BerthDataSource.fromUrl(url)) {
            hc.setJdbcUrl(parsed.getJdbcUrl());
            hc.setUsername(parsed.getUsername());
            hc.setPassword(parsed.getPassword());
        }
        hc.setPoolName(PRIMARY);
        hc.setMaximumPoolSize(config.poolSize());
        hc.setConnectionTimeout(Math.max(250, config.acquireTimeout().toMillis()));   // HikariCP's smallest
        hc.setLeakDetectionThreshold(10_000);
        hc.setMetricRegistry(registry);
        HikariDataSource ds = new HikariDataSource(hc);
        PoolView view = () -> hikariSnapshot(ds, registry);
        return new Backends(ds, view, ds::close);
    }

    private static PoolView.Snapshot hikariSnapshot(HikariDataSource ds, MeterRegistry registry) {
        HikariPoolMXBean pool = ds.getHikariPoolMXBean();
        Timer acquire = registry.find("hikaricp.connections.acquire").tag("pool", PRIMARY).timer();
        Timer usage = registry.find("hikaricp.connections.usage").tag("pool", PRIMARY).timer();
        Timer creation = registry.find("hikaricp.connections.creation").tag("pool", PRIMARY).timer();
        Counter timeouts = registry.find("hikaricp.connections.timeout").tag("pool", PRIMARY).counter();
        return new PoolView.Snapshot(PRIMARY, "postgresql", ds.getMaximumPoolSize(), pool.getTotalConnections(),
                pool.getIdleConnections(), pool.getActiveConnections(), pool.getThreadsAwaitingConnection(),
                creation == null ? 0 : creation.count(), 0, timeouts == null ? 0 : (long) timeouts.count(), 0,
                PoolView.Latency.of(acquire), PoolView.Latency.of(usage), List.of());
    }

    @Override
    public void close() throws Exception {
        try {
            db.close();
        } finally {
            closeDataSource.close();
        }
    }
}
