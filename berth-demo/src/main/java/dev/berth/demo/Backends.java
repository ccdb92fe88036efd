package dev.berth.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.berth.jdbc.BerthDataSource;
import dev.berth.jdbc.tx.Database;
import dev.berth.micrometer.PoolMetrics;
import dev.berth.scope.ScopeStack;
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
    /** How long a berth pool's graceful close waits for work in flight at shutdown (SIGTERM). */
    static final java.time.Duration DRAIN_GRACE = java.time.Duration.ofSeconds(10);

    final DataSource dataSource;
    final Database db;
    final PoolView primary;
    /** Every database pool: the primary, then the replicas ({@code replica-1}, ...). */
    final List<PoolView> views;
    /** What close() closes: the Database first, then each pool (LIFO, every one even when one fails). */
    private final ScopeStack closing = new ScopeStack();

    /** One database pool: its name, data source, what the dashboard shows of it, and how to close it. */
    record Opened(String name, DataSource dataSource, PoolView view, AutoCloseable closer) {
    }

    /** Every database pool, the primary first. */
    final List<Opened> databases;

    private Backends(Opened primary, List<Opened> replicas) {
        this.dataSource = primary.dataSource();
        var builder = Database.builder().name(PRIMARY).primary(primary.dataSource());
        for (Opened replica : replicas) {
            builder.replica(replica.dataSource());
        }
        this.db = builder.build();
        this.primary = primary.view();
        var all = new java.util.ArrayList<PoolView>();
        all.add(primary.view());
        closing.push(primary.closer());
        for (Opened replica : replicas) {
            all.add(replica.view());
            closing.push(replica.closer());
        }
        closing.push(db);
        this.views = List.copyOf(all);
        var databases = new java.util.ArrayList<Opened>();
        databases.add(primary);
        databases.addAll(replicas);
        this.databases = List.copyOf(databases);
    }

    /**
     * Opens the primary pool and one pool per replica; they start on first use (berth) or at once (HikariCP,
     * which fails fast). A pool that fails to open closes the ones opened before it.
     */
    static Backends openDatabase(DemoConfig config, String databaseUrl, MeterRegistry registry, Drains drains) {
        List<Opened> opened = new java.util.ArrayList<>();
        try {
            Opened primary = open(config, PRIMARY, databaseUrl, registry, drains);
            opened.add(primary);
            List<Opened> replicas = new java.util.ArrayList<>();
            for (int i = 0; i < config.replicaUrls().size(); i++) {
                Opened replica = open(config, "replica-" + (i + 1), config.replicaUrls().get(i), registry, drains);
                opened.add(replica);
                replicas.add(replica);
            }
            return new Backends(primary, replicas);
        } catch (RuntimeException e) {
            for (Opened o : opened) {
                try {
                    o.closer().close();
                } catch (Exception cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    private static Opened open(DemoConfig config, String name, String url, MeterRegistry registry, Drains drains) {
        return switch (config.pools()) {
            case BERTH -> berth(config, name, url, registry, drains);
            case HIKARI -> hikari(config, name, url, registry);
        };
    }

    /** Opens Redis the same way as the database: berth's pool, or JedisPool. */
    static DemoRedis openRedis(DemoConfig config, String redisUrl, String namespace, MeterRegistry registry, Drains drains) {
        return switch (config.pools()) {
            case BERTH -> new BerthRedis(redisUrl, namespace, config.poolSize(), config.acquireTimeout(), registry, drains);
            case HIKARI -> new JedisPoolRedis(redisUrl, namespace, config.poolSize(), config.acquireTimeout(), registry);
        };
    }

    private static Opened berth(DemoConfig config, String name, String url, MeterRegistry registry, Drains drains) {
        BerthDataSource ds = BerthDataSource.fromUrl(url);
        ds.setPoolName(name);
        ds.setMaximumPoolSize(config.poolSize());
        ds.setConnectionTimeout(config.acquireTimeout().toMillis());
        ds.setCallSites(true);                      // the dashboard and the starvation report name where leases were taken
        ds.setLeakDetectionThreshold(10_000);
        ds.setOverloadPolicy(config.overloadPolicy().name());
        PoolMetrics metrics = PoolMetrics.install(registry, name, "jdbc", ds::setPoolListener, ds::stats);
        PoolView view = PoolView.berth(name, "postgresql", ds::stats, ds::report, registry);
        return new Opened(name, ds, view, () -> {
            try {
                drains.add(name, ds.close(DRAIN_GRACE)); // graceful: waiting callers are served, new ones refused
            } finally {
                metrics.close();
            }
        });
    }

    private static Opened hikari(DemoConfig config, String name, String url, MeterRegistry registry) {
        HikariConfig hc = new HikariConfig();
        // BerthDataSource reads DATABASE_URL's postgres://user:password@host/db form; HikariCP wants the parts.
        try (BerthDataSource parsed = BerthDataSource.fromUrl(url)) {
            hc.setJdbcUrl(parsed.getJdbcUrl());
            hc.setUsername(parsed.getUsername());
            hc.setPassword(parsed.getPassword());
        }
        hc.setPoolName(name);
        hc.setMaximumPoolSize(config.poolSize());
        hc.setConnectionTimeout(Math.max(250, config.acquireTimeout().toMillis()));   // HikariCP's smallest
        hc.setLeakDetectionThreshold(10_000);
        hc.setMetricRegistry(registry);
        HikariDataSource ds = new HikariDataSource(hc);
        PoolView view = () -> hikariSnapshot(name, ds, registry);
        return new Opened(name, ds, view, ds::close);
    }

    private static PoolView.Snapshot hikariSnapshot(String name, HikariDataSource ds, MeterRegistry registry) {
        HikariPoolMXBean pool = ds.getHikariPoolMXBean();
        Timer acquire = registry.find("hikaricp.connections.acquire").tag("pool", name).timer();
        Timer usage = registry.find("hikaricp.connections.usage").tag("pool", name).timer();
        Timer creation = registry.find("hikaricp.connections.creation").tag("pool", name).timer();
        Counter timeouts = registry.find("hikaricp.connections.timeout").tag("pool", name).counter();
        return new PoolView.Snapshot(name, "postgresql", ds.getMaximumPoolSize(), pool.getTotalConnections(),
                pool.getIdleConnections(), pool.getActiveConnections(), pool.getThreadsAwaitingConnection(),
                creation == null ? 0 : creation.count(), 0, timeouts == null ? 0 : (long) timeouts.count(), 0, false, 0,
                PoolView.Latency.of(acquire), PoolView.Latency.of(usage), List.of());
    }

    /** What the berth pools' graceful closes reported at shutdown, for the demo's last line. */
    static final class Drains {
        private final java.util.Queue<String> reports = new java.util.concurrent.ConcurrentLinkedQueue<>();

        void add(String pool, dev.berth.pool.DrainReport report) {
            reports.add(pool + " " + report);
        }

        /** @return one line per pool closed so far; empty with HikariCP and JedisPool */
        @Override
        public String toString() {
            return String.join("\n  ", reports);
        }
    }

    @Override
    public void close() throws Exception {
        closing.close();
    }
}
