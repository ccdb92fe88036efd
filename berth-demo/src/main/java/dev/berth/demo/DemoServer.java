package dev.berth.demo;

import dev.berth.scope.ScopeStack;
import dev.berth.web.HelidonSessionFilter;
import dev.berth.web.SessionMiddleware;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running demo: PostgreSQL and Redis (embedded ones when no URL is given), the pools of the chosen mode, the
 * HTTP API with the dashboard, and everything needed to shut it all down again. {@link #start} returns once the
 * server listens and the event subscription is live; {@link #close()} stops the server, then closes every pool and
 * stops the embedded servers, last opened first.
 *
 * {@snippet :
 * try (DemoServer demo = DemoServer.start(DemoConfig.defaults().withPort(0))) {
 *     System.out.println("open " + demo.uri());
 * }
 * }
 */
final class DemoServer implements AutoCloseable {
    private final ScopeStack resources;
    private final WebServer server;
    private final URI uri;
    private final DemoConfig config;
    private final FileStore files;
    private final String description;
    private final boolean embedded;
    private final Backends backends;
    private final DemoRedis redis;
    private final String databaseUrl;
    private final String redisUrl;
    private final Backends.Drains drains;

    private DemoServer(ScopeStack resources, WebServer server, URI uri, DemoConfig config, FileStore files, String description,
                       Backends backends, DemoRedis redis, String databaseUrl, String redisUrl, Backends.Drains drains) {
        this.drains = drains;
        this.resources = resources;
        this.server = server;
        this.uri = uri;
        this.config = config;
        this.files = files;
        this.description = description;
        this.embedded = config.databaseUrl() == null || config.redisUrl() == null;
        this.backends = backends;
        this.redis = redis;
        this.databaseUrl = databaseUrl;
        this.redisUrl = redisUrl;
    }

    /**
     * Starts everything.
     *
     * @throws Exception when a server, a pool or the port could not be had; whatever was started is stopped again
     */
    static DemoServer start(DemoConfig config) throws Exception {
        ScopeStack stack = new ScopeStack();
        try {
            String databaseUrl = config.databaseUrl();
            String database = "PostgreSQL from DATABASE_URL";
            if (databaseUrl == null) {
                EmbeddedPostgres pg = stack.push(EmbeddedPostgres.builder().start());
                databaseUrl = "postgres://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
                database = "embedded PostgreSQL on 127.0.0.1:" + pg.getPort();
            }
            String redisUrl = config.redisUrl();
            String redisWhere = "Redis from REDIS_URL";
            if (redisUrl == null) {
                EmbeddedRedis embedded = stack.push(EmbeddedRedis.start());
                redisUrl = embedded.url();
                redisWhere = embedded.toString();
            }
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.config().meterFilter(percentilesForPeers());
            stack.push(registry::close);

            Backends.Drains drains = new Backends.Drains();
            Backends backends = stack.push(Backends.openDatabase(config, databaseUrl, registry, drains));
            String namespace = Schema.create(backends.db);
            DemoRedis redis = stack.push(Backends.openRedis(config, redisUrl, namespace, registry, drains));
            FileStore files = stack.push(FileStore.open(config.filesDir(), config.maxUploadBytes()));
            Events events = new Events();
            stack.push(redis.subscribe(events::deliver));

            SlowRequests slow = new SlowRequests();
            SessionMiddleware middleware = SessionMiddleware.builder(backends.db)
                    .readOnlyWhen((method, path) -> method.equals("GET"))
                    .slowRequestThreshold(config.slowRequest())
                    .onSlowRequest(slow::record)
                    .build();
            AtomicReference<URI> self = new AtomicReference<>();
            LoadGenerator load = new LoadGenerator(self::get);
            Starvation starvation = new Starvation(backends.dataSource, config.poolSize(), config.acquireTimeout());
            Health health = new Health(backends.databases, redis);
            Transfers transfers = new Transfers(backends.db);
            io.micrometer.core.instrument.FunctionCounter.builder("demo.transfers.retries", transfers, Transfers::retries)
                    .description("Transfers re-run after a serialization failure or deadlock").register(registry);
            Api api = new Api(new Api.Services(redis, transfers, events, files,
                    poolViews(backends, redis), slow, load, starvation, health, registry, config.pools()));

            WebServer server = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .shutdownHook(false)
                    .routing(routing -> routes(routing, new HelidonSessionFilter(middleware), api))
                    .build()
                    .start();
            stack.callback(server::stop);
            // Closed before the server stops: streams end, held connections are released, a load stops.
            stack.push(events);
            stack.push(starvation);
            stack.push(load);

            String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
            URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port() + "/");
            self.set(uri);
            String description = "pools: " + config.pools().name().toLowerCase(java.util.Locale.ROOT) + " ("
                    + (config.pools() == DemoConfig.Pools.BERTH ? "BerthDataSource and RedisPool" : "HikariCP and JedisPool")
                    + ", " + config.poolSize() + " connections each); " + database + "; " + redisWhere;
            return new DemoServer(stack.popAll(), server, uri, config, files, description, backends, redis, databaseUrl, redisUrl, drains);
        } catch (Exception | Error e) {
            try {
                stack.close();
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void routes(HttpRouting.Builder routing, HelidonSessionFilter sessions, Api api) {
        // The API runs in a request session; the event stream, which
        // never touches the database and lasts minutes, and the static files bypass it.
        Filter perRequest = (chain, req, res) -> {
            String path = req.path().path();
            boolean inSession = (path.startsWith("/api/") && !path.equals("/api/events")) || path.equals("/metrics")
                    || path.equals("/health");
            if (!inSession) {
                chain.proceed();
                return;
            }
            sessions.filter(chain, req, res);
        };
        routing.addFilter(perRequest);
        api.routes(routing);
        routing.get("/", (req, res) -> {
            try (InputStream page = DemoServer.class.getClassLoader().getResourceAsStream("web/index.html")) {
                if (page == null) {
                    Api.json(res, 404, new Errors.Body("no_dashboard",
                            "the dashboard (web/index.html) is not on the class path; the API is under /api"));
                    return;
                }
                res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
                res.send(page.readAllBytes());
            }
        });
        routing.register("/web", StaticContentFeature.createService(ClasspathHandlerConfig.builder().location("web").build()));
        routing.register("/webjars", StaticContentFeature.createService(
                ClasspathHandlerConfig.builder().location("META-INF/resources/webjars").build()));
    }

    /** HikariCP's and JedisPool's timers get the percentiles berth's pools report, for the same dashboard. */
    private static MeterFilter percentilesForPeers() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().equals("hikaricp.connections.acquire") || id.getName().equals("hikaricp.connections.usage")) {
                    return DistributionStatisticConfig.builder().percentiles(0.5, 0.99, 0.999).build().merge(config);
                }
                return config;
            }
        };
    }

    /** @return the transaction layer over the database pools (for tests: which target served what) */
    dev.berth.jdbc.tx.Database database() {
        return backends.db;
    }

    /** @return the service's address, such as {@code http://127.0.0.1:8080/} */
    URI uri() {
        return uri;
    }

    int port() {
        return server.port();
    }

    DemoConfig config() {
        return config;
    }

    /** @return where uploads are stored */
    Path filesDirectory() {
        return files.directory();
    }

    /** @return the primary pool */
    javax.sql.DataSource dataSource() {
        return backends.dataSource;
    }

    DemoRedis redis() {
        return redis;
    }

    /** @return the PostgreSQL URL in use (an embedded server's when none was configured); may carry credentials */
    String databaseUrl() {
        return databaseUrl;
    }

    /** @return the Redis URL in use (an embedded server's when none was configured); may carry credentials */
    String redisUrl() {
        return redisUrl;
    }

    /** @return one line on what runs where */
    String description() {
        return description;
    }

    /** @return what {@link #close()} does, for the last line the demo prints */
    String closedSummary() {
        String drained = drains.toString();
        return "server closed, every pool closed" + (embedded ? ", embedded servers stopped" : "")
                + (drained.isEmpty() ? "" : ":\n  " + drained);
    }

    /** What the dashboard shows: every database pool (the primary, then the replicas), then Redis. */
    private static List<PoolView> poolViews(Backends backends, DemoRedis redis) {
        List<PoolView> views = new java.util.ArrayList<>(backends.views);
        views.add(redis.pool());
        return List.copyOf(views);
    }

    /** Stops the server, closes every pool and stops the embedded servers; idempotent. */
    @Override
    public void close() throws Exception {
        resources.close();
    }
}
