package dev.berth.redis;

import static dev.berth.internal.Checks.positive;

import dev.berth.pool.DrainReport;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolReport;
import dev.berth.pool.PoolStats;
import dev.berth.scope.Scope;
import dev.berth.scope.ScopeAction;
import dev.berth.scope.Scopes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisCredentials;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.providers.ConnectionProvider;

/**
 * Redis connections on berth's pool. Open one per server and share it; every way of talking to Redis
 * borrows a berth {@link dev.berth.pool.Lease} and gives it back, or destroys the connection after an I/O
 * error, so a broken connection is never lent again.
 *
 * {@snippet :
 * try (RedisPool redis = RedisPool.open("redis://127.0.0.1:6379/0")) {
 *     RedisClient jedis = redis.client();        // the Jedis API; commands auto-pipelined on pooled connections
 *     jedis.set("greeting", "hello");
 *     PipelineResults r = redis.pipelined(p -> { p.incr("hits"); p.get("greeting"); });   // one round trip
 *     try (Jedis one = redis.lease()) {          // one connection for a while: blocking commands, SELECT
 *         one.blpop(1, "jobs");
 *     }
 * }
 * }
 *
 * <p>Pool settings are berth's {@link PoolConfig}: max connections, acquire timeout, validation by PING for
 * connections idle longer than {@link PoolConfig#validateAfterIdle()}, recycling after
 * {@link PoolConfig#maxLifetime()}, keepalive PINGs every {@link PoolConfig#keepaliveTime()}. Credentials,
 * from the URL or from a {@linkplain Builder#credentials provider}, never appear in {@link #toString()}, in
 * {@link #report()} or in error messages.
 *
 * <p>Thread-safe: every method may be called from any number of (virtual) threads at once.
 */
public final class RedisPool implements AutoCloseable {
    private final RedisUrl url;
    /** Empty, or which provider the credentials come from (its class, never its {@code toString()}). */
    private final String credentialsFrom;
    private final ConnectionFactory factory;
    private final Pool<PooledConnection> pool;
    private final LeasingConnectionProvider connections;
    private final RedisClient client;
    private final AutoPipeline autoPipeline;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();

    private RedisPool(Builder b) {
        this.url = b.url;
        this.factory = new ConnectionFactory(url, ConnectionFactory.clientConfig(
                url, b.socketTimeout, b.connectTimeout, b.blockingTimeout, b.clientName, b.tls), b.credentials);
        this.credentialsFrom = b.credentials == null ? "" : ", credentials from " + ConnectionFactory.describe(b.credentials);
        PoolConfig config = b.poolConfig != null ? b.poolConfig : PoolConfig.builder().name("redis " + url.host() + ":" + url.port()).build();
        this.pool = Pool.open(config, factory);
        this.connections = new LeasingConnectionProvider(pool);
        this.autoPipeline = b.autoPipelineLanes > 0 ? new AutoPipeline(connections, b.autoPipelineLanes, config.acquireTimeout(), b.socketTimeout) : null;
        var client = RedisClient.builder().connectionProvider(connections).clientConfig(factory.config());
        if (autoPipeline != null) {
            client.commandExecutor(autoPipeline);
        }
        this.client = client.build();
    }

    /**
     * Opens a pool with berth's default pool settings (10 connections at most).
     *
     * @param url {@code redis://[[user]:password@]host[:port][/db]} or {@code rediss://...}
     * @return the open pool; connections are made on first use
     * @throws IllegalArgumentException when the URL is malformed (the message hides the password)
     */
    public static RedisPool open(String url) {
        return builder(url).build();
    }

    /**
     * Starts configuring a pool.
     *
     * @param url {@code redis://[[user]:password@]host[:port][/db]} or {@code rediss://...}
     * @return a builder with every setting at its default
     */
    public static Builder builder(String url) {
        return new Builder(RedisUrl.parse(url));
    }

    /**
     * The Jedis client on this pool. With auto-pipelining (the default) single commands from concurrent
     * threads are combined into pipelines on a few pooled connections, so thousands of virtual threads doing
     * GET/SET run at pipelined speed while one thread alone gets plain latency; commands that change connection
     * state or block (SELECT, WATCH, MULTI, SUBSCRIBE, BLPOP, CLIENT, ...) run on a connection of their own.
     * Without it, each command leases a connection for its one round trip. The same instance every time;
     * closing it has no effect on the pool.
     *
     * @return a thread-safe Jedis {@link RedisClient}
     */
    public RedisClient client() {
        return client;
    }

    /**
     * berth's pool as a Jedis {@link ConnectionProvider}, for building a Jedis client of your own (another
     * command executor, a JSON mapper, client-side caching): every connection it hands out is a berth lease that
     * the client's {@code close()} of the connection ends. Closing the provider does nothing.
     *
     * {@snippet :
     * RedisClient custom = RedisClient.builder().connectionProvider(redis.connectionProvider()).build();
     * }
     *
     * @return the provider (the same instance every time)
     */
    public ConnectionProvider connectionProvider() {
        return connections;
    }

    /**
     * Leases one connection for a while, for blocking commands ({@code BLPOP}), {@code SELECT} or anything that
     * needs the same connection across commands. Closing the returned Jedis gives the connection back; when the
     * holder changed its state, WATCH and the database are reset first. Closing it again does nothing.
     *
     * @return a Jedis on a leased connection, for the calling thread only
     * @throws dev.berth.pool.PoolTimeoutException when no connection became free within the acquire timeout
     */
    public Jedis lease() {
        return new LeasedJedis(connections.lease(true, "leased Jedis"));
    }

    /**
     * {@link #lease()} as a scope, for {@link Scopes#using} and {@link dev.berth.scope.ScopeStack}.
     *
     * @return a new scope; enter leases a connection, exit returns it
     */
    public Scope<Jedis> leaseScope() {
        return new Scope<>() {
            private Jedis jedis;

            @Override
            public Jedis enter() {
                jedis = lease();
                return jedis;
            }

            @Override
            public boolean exit(Throwable failure) {
                jedis.close();
                return false;
            }
        };
    }

    /**
     * A non-transactional pipeline as a scope: the body queues commands on a Jedis {@link Pipeline} (read their
     * {@code Response}s after the scope), exit sends them all in one write and reads every reply. If the body
     * fails, queued commands are dropped and the connection destroyed; commands already flushed because the
     * buffer filled may have run, so use {@link #transaction} when it must be all or nothing.
     *
     * @return a new scope; each instance is entered once
     */
    public Scope<Pipeline> pipeline() {
        return new PipelineScope(connections);
    }

    /**
     * Runs a pipeline: {@code body} queues commands, then they go out in one write and their replies come back
     * in order, each failed command's error in its own slot.
     *
     * {@snippet :
     * PipelineResults r = redis.pipelined(p -> {
     *     for (String id : ids) p.hget("user:" + id, "name");
     * });
     * }
     *
     * @param body queues commands
     * @return the replies in order
     * @throws Exception what the body throws (nothing is sent then), or a Jedis connection error
     */
    public PipelineResults pipelined(ScopeAction<? super Pipeline> body) throws Exception {
        PipelineScope scope = new PipelineScope(connections);
        Scopes.run(scope, body);
        return scope.results();
    }

    /**
     * Runs MULTI, the commands {@code body} queues, and EXEC: two round trips however many commands (MULTI
     * with the commands, then EXEC). If the body fails, DISCARD is sent instead and nothing is applied. Do not
     * SELECT inside the transaction (use {@link #lease()} for that): the connection is not reset afterwards.
     *
     * @param body queues commands on a Jedis {@link Transaction}
     * @return EXEC's replies in order, each failed command's error in its own slot
     * @throws Exception what the body throws, or the server's EXECABORT when a command was rejected at queue time
     */
    public PipelineResults transaction(ScopeAction<? super Transaction> body) throws Exception {
        TransactionScope scope = new TransactionScope(connections);
        Scopes.run(scope, body);
        return scope.results();
    }

    /**
     * Runs an optimistic transaction with the {@linkplain OptimisticRetry#DEFAULT default retry policy}.
     *
     * @param keys the keys to WATCH
     * @param body reads, then queues writes with {@link Watch#multi}
     * @return EXEC's replies (empty when the body queued no writes)
     * @throws WatchConflictException when every attempt conflicted
     * @throws Exception what the body throws (no retry then)
     * @see #watching(List, OptimisticRetry, WatchBody)
     */
    public PipelineResults watching(List<String> keys, WatchBody body) throws Exception {
        return watching(keys, OptimisticRetry.DEFAULT, body);
    }

    /**
     * Runs an optimistic transaction: WATCH the keys, run the body (read, then queue writes with
     * {@link Watch#multi}), EXEC. When another client changed a watched key in between, EXEC is aborted,
     * and the whole body runs again after a backoff, up to {@code retry.maxAttempts()} times in all.
     *
     * {@snippet :
     * redis.watching(List.of("balance"), OptimisticRetry.attempts(10), watch -> {
     *     long balance = Long.parseLong(watch.jedis().get("balance"));
     *     watch.multi(tx -> tx.set("balance", Long.toString(balance - 10)));
     * });
     * }
     *
     * @param keys the keys to WATCH (at least one)
     * @param retry how often to re-run and how long to wait in between
     * @param body reads, then queues writes; may run several times
     * @return EXEC's replies of the attempt that succeeded (empty when the body queued no writes)
     * @throws WatchConflictException when every attempt conflicted; nothing was applied
     * @throws Exception what the body throws (no retry then)
     */
    public PipelineResults watching(List<String> keys, OptimisticRetry retry, WatchBody body) throws Exception {
        return OptimisticTransaction.run(connections, List.copyOf(keys), Objects.requireNonNull(retry, "retry"),
                Objects.requireNonNull(body, "body"));
    }

    /**
     * Starts configuring a supervised pub/sub subscription. It uses a dedicated connection of its own (not one
     * of the pool's) that reconnects and re-subscribes by itself; see {@link Subscription}.
     *
     * @return a new builder
     */
    public SubscriptionBuilder subscriber() {
        return new SubscriptionBuilder(factory, subscriptions);
    }

    /**
     * Retires every pooled connection now, softly: idle ones close at once, leased ones when they come back, and
     * the pool opens fresh ones as needed (a master that moved, a password that rotated). Auto-pipelined batches
     * lease from the pool, so they move too; subscriptions run on dedicated connections outside the pool and are
     * left alone (they reconnect by themselves).
     * {@snippet :
     * redis.evict();
     * }
     */
    public void evict() {
        pool.evict();
    }

    /** @return the pool's counters and latency percentiles */
    public PoolStats stats() {
        return pool.stats();
    }

    /**
     * Who holds the pool's connections right now: the longest holders with hold time, state ({@code "pipeline"},
     * {@code "transaction (MULTI)"}, {@code "subscribed"}) and call site, as a starvation error would report them.
     *
     * {@snippet :
     * System.out.println(redis.report());   // pool 'redis': total=8, idle=0, leased=8, waiting=3, ...; longest holders: ...
     * }
     *
     * @return the pool's report, as text ({@code toString()}) and as data
     */
    public PoolReport report() {
        return pool.report();
    }

    /** @return the server address, password hidden */
    public RedisUrl url() {
        return url;
    }

    /** @return the auto-pipeliner, or {@code null} when it is off */
    AutoPipeline autoPipeline() {
        return autoPipeline;
    }

    ConnectionFactory factory() {
        return factory;
    }

    LeasingConnectionProvider connections() {
        return connections;
    }

    /**
     * Closes the pool: closes the subscriptions started from it, waits for leased connections up to the pool's
     * close grace, then closes every connection. Idempotent.
     */
    @Override
    public void close() {
        for (Subscription subscription : List.copyOf(subscriptions)) {
            subscription.close();
        }
        pool.close();
    }

    /**
     * Closes gracefully, for a service shutting down ({@link Pool#close(Duration)}): subscriptions end, new
     * callers are refused at once saying the pool is closing, commands in flight and callers already waiting are
     * still served, and the pool closes when they are done or {@code grace} runs out.
     * {@snippet :
     * DrainReport report = redis.close(Duration.ofSeconds(10));
     * }
     *
     * @param grace the longest to wait for work in flight
     * @return what the close served and cut off
     */
    public DrainReport close(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace is " + grace + " but must be zero or more, e.g. Duration.ofSeconds(10)");
        }
        for (Subscription subscription : List.copyOf(subscriptions)) {
            subscription.close();
        }
        return pool.close(grace);
    }

    @Override
    public String toString() {
        return "RedisPool{" + url + credentialsFrom + ", " + pool.stats().total() + " connections, pool '" + pool.config().name() + "'}";
    }

    /**
     * Configures a {@link RedisPool}; not thread-safe.
     *
     * <table>
     * <caption>Settings and defaults</caption>
     * <tr><th>setting</th><th>default</th><th>why</th></tr>
     * <tr><td>pool</td><td>berth's {@link PoolConfig} defaults, named "redis host:port"</td><td>10 connections serve
     *     thousands of callers once single commands are auto-pipelined</td></tr>
     * <tr><td>socketTimeout</td><td>2 s</td><td>a reply slower than this means a sick server or network; the
     *     connection is destroyed rather than trusted again</td></tr>
     * <tr><td>connectTimeout</td><td>2 s</td><td>fail fast when the server is unreachable</td></tr>
     * <tr><td>blockingTimeout</td><td>0 (none)</td><td>BLPOP and friends carry their own timeout</td></tr>
     * <tr><td>clientName</td><td>none</td><td>set it to find the service in {@code CLIENT LIST}</td></tr>
     * <tr><td>autoPipelining</td><td>2 lanes</td><td>two connections in flight saturate a Redis core; 0 turns it
     *     off</td></tr>
     * <tr><td>tls</td><td>the JVM's default trust store</td><td>public CAs; pass your own for a private CA</td></tr>
     * <tr><td>credentials</td><td>the URL's user and password</td><td>fixed credentials need nothing more; a provider,
     *     asked for each new connection, serves credentials that rotate (IAM tokens, Vault leases)</td></tr>
     * </table>
     */
    public static final class Builder {
        private final RedisUrl url;
        private PoolConfig poolConfig;
        private Duration socketTimeout = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration blockingTimeout = Duration.ZERO;
        private String clientName;
        private int autoPipelineLanes = 2;
        private SSLSocketFactory tls;
        private Supplier<? extends RedisCredentials> credentials;

        private Builder(RedisUrl url) {
            this.url = url;
        }

        /**
         * @param config berth pool settings (default: berth's defaults, named after the server)
         * @return this builder
         */
        public Builder pool(PoolConfig config) {
            this.poolConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * @param timeout longest wait for a reply before the connection counts as broken (default 2 s)
         * @return this builder
         */
        public Builder socketTimeout(Duration timeout) {
            this.socketTimeout = positive("socketTimeout", timeout);
            return this;
        }

        /**
         * @param timeout longest wait for a TCP connection (default 2 s)
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * @param timeout longest wait for a blocking command's reply beyond its own timeout (default 0: none)
         * @return this builder
         */
        public Builder blockingTimeout(Duration timeout) {
            this.blockingTimeout = Objects.requireNonNull(timeout, "blockingTimeout");
            return this;
        }

        /**
         * @param name shown by {@code CLIENT LIST} on the server (default none)
         * @return this builder
         */
        public Builder clientName(String name) {
            this.clientName = name;
            return this;
        }

        /**
         * How many connections at most carry auto-pipelined batches at the same time (default 2; 0 turns
         * auto-pipelining off, so every command of {@link RedisPool#client()} leases a connection of its own).
         * A batch holds its connection only for its one round trip.
         *
         * @param lanes 0 or more, at most the pool's maxSize
         * @return this builder
         */
        public Builder autoPipelining(int lanes) {
            if (lanes < 0) {
                throw new IllegalArgumentException("autoPipelining lanes is " + lanes + " but must be 0 (off) or more");
            }
            this.autoPipelineLanes = lanes;
            return this;
        }

        /**
         * The TLS socket factory for {@code rediss://} URLs, carrying the trust store that accepts the server's
         * certificate (default: the JVM's default, which trusts the public CAs). The certificate must also name
         * the host of the URL: host names are verified.
         *
         * @param sockets for example {@code sslContext.getSocketFactory()}
         * @return this builder
         */
        public Builder tls(SSLSocketFactory sockets) {
            if (!url.tls()) {
                throw new IllegalArgumentException("a TLS socket factory was given but the URL " + url
                        + " is not rediss://; use rediss:// to connect with TLS");
            }
            this.tls = Objects.requireNonNull(sockets, "sockets");
            return this;
        }

        /**
         * Credentials that change while the pool runs (an IAM token for ElastiCache, a Vault lease): instead of a
         * user and password in the URL, {@code provider} is asked once for each new connection, just before it
         * connects. Redis checks credentials only when a connection logs in, so open connections keep working after
         * a rotation; they give way to ones with the new credentials as {@link PoolConfig#maxLifetime()} retires
         * them, or at once after {@link RedisPool#evict()}. Subscriptions ask it too when they reconnect.
         *
         * <p>It may be called from several threads at once (up to the pool's createConcurrency) and counts against
         * the pool's createTimeout, so cache what it fetches and renew it before it expires; a token that expires
         * every 15 minutes:
         * {@snippet :
         * final class IamToken implements Supplier<RedisCredentials> {
         *     private record Token(RedisCredentials credentials, Instant renewAt) {}
         *     private final ReentrantLock renewing = new ReentrantLock();
         *     private volatile Token token;
         *
         *     public RedisCredentials get() {
         *         Token t = token;
         *         if (t == null || Instant.now().isAfter(t.renewAt())) {
         *             renewing.lock();               // one fetch however many connections are being made
         *             try {
         *                 t = token;
         *                 if (t == null || Instant.now().isAfter(t.renewAt())) {
         *                     String signed = signer.presignConnect("app");               // valid for 15 minutes
         *                     t = new Token(new DefaultRedisCredentials("app", signed),
         *                             Instant.now().plus(Duration.ofMinutes(10)));   // renewed with 5 to spare
         *                     token = t;
         *                 }
         *             } finally {
         *                 renewing.unlock();
         *             }
         *         }
         *         return t.credentials();
         *     }
         * }
         *
         * RedisPool redis = RedisPool.builder("rediss://cache.example.com:6379").credentials(new IamToken()).build();
         * }
         *
         * <p>A provider that throws or returns {@code null} fails that connection's creation like a refused
         * connection: callers get a {@link RedisConnectException} naming the provider's class (never its
         * {@code toString()}, which might print the secret) as the cause, with the provider's exception below it.
         * Keep secrets out of the provider's own exception messages. A Jedis {@code RedisCredentialsProvider} may be
         * passed too; its {@code prepare()} and {@code cleanUp()} run around each call.
         *
         * @param provider asked for each new connection; thread-safe
         * @return this builder
         */
        public Builder credentials(Supplier<? extends RedisCredentials> provider) {
            this.credentials = Objects.requireNonNull(provider, "credentials provider");
            return this;
        }

        /**
         * @return the open pool; connections are made on first use or up to the pool's minIdle
         * @throws IllegalArgumentException when the URL carries credentials and a credentials provider was set too
         */
        public RedisPool build() {
            if (credentials != null && (url.user() != null || url.hasPassword())) {
                throw new IllegalArgumentException("the URL " + url + " carries credentials and credentials("
                        + ConnectionFactory.describe(credentials) + ") was set too, so berth cannot tell which to log in "
                        + "with; take the user and password out of the URL (redis" + (url.tls() ? "s" : "") + "://"
                        + url.host() + ":" + url.port() + "/" + url.database() + ") or drop credentials(...)");
            }
            return new RedisPool(this);
        }
    }
}
