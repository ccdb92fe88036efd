package dev.berth.redis;

import dev.berth.pool.ResourceFactory;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisCredentials;
import redis.clients.jedis.RedisCredentialsProvider;
import redis.clients.jedis.exceptions.JedisException;

/** Makes, pings, resets and closes Redis connections for berth's pool. */
final class ConnectionFactory implements ResourceFactory<PooledConnection> {
    private final RedisUrl url;
    private final JedisClientConfig config;
    private final HostAndPort address;
    private final int socketTimeoutMillis;
    /** Asked once per new connection; {@code null} when the URL's credentials (already in {@link #config}) serve. */
    private final Supplier<? extends RedisCredentials> credentials;

    ConnectionFactory(RedisUrl url, JedisClientConfig config, Supplier<? extends RedisCredentials> credentials) {
        this.url = url;
        this.config = config;
        this.credentials = credentials;
        this.address = new HostAndPort(url.host(), url.port());
        this.socketTimeoutMillis = config.getSocketTimeoutMillis();
    }

    @SuppressWarnings("deprecation") // ssl(boolean) is still what Jedis 8.0.2's socket factory reads
    static JedisClientConfig clientConfig(RedisUrl url, Duration socketTimeout, Duration connectTimeout,
                                          Duration blockingTimeout, String clientName, SSLSocketFactory tls) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .resp2()
                .ssl(url.tls())
                .database(url.database())
                .socketTimeoutMillis(millis(socketTimeout))
                .connectionTimeoutMillis(millis(connectTimeout))
                .blockingSocketTimeoutMillis(millis(blockingTimeout))
                .clientName(clientName);
        if (url.tls()) {
            // verify that the certificate names the host, not only that a trusted CA signed it
            SSLParameters parameters = new SSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            b.sslParameters(parameters);
            b.sslSocketFactory(tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault());
        }
        if (url.user() != null) {
            b.user(url.user());
        }
        if (url.hasPassword()) {
            b.password(url.password());
        }
        return b.build();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    JedisClientConfig config() {
        return config;
    }

    RedisUrl url() {
        return url;
    }

    /**
     * A connection outside the pool (pub/sub's dedicated one), with its own socket settings. With a credentials
     * provider, it is asked here, before the socket opens: a failing provider costs no connection, and Jedis (which
     * closes the socket only on its own exceptions) never sees it.
     */
    PooledConnection connect(JedisClientConfig custom) {
        JedisClientConfig login = credentials == null ? custom
                : DefaultJedisClientConfig.builder().from(custom).credentials(askCredentials()).build();
        try {
            return new PooledConnection(new DefaultJedisSocketFactory(address, login), login, url.toString());
        } catch (JedisException e) {
            throw new RedisConnectException("could not connect to Redis at " + url + ": " + stripPeriod(e.getMessage())
                    + "; check that the server runs, the address is right and "
                    + (credentials == null ? "the credentials are valid"
                            : "the credentials provider " + describe(credentials) + " returns valid ones"), e);
        }
    }

    /** One answer of the provider, for one new connection; a failure or null is that connection's creation failure. */
    private RedisCredentials askCredentials() {
        RedisCredentials answer;
        try {
            if (credentials instanceof RedisCredentialsProvider jedisProvider) { // Jedis's own lifecycle hooks
                jedisProvider.prepare();
                try {
                    answer = jedisProvider.get();
                } finally {
                    jedisProvider.cleanUp();
                }
            } else {
                answer = credentials.get();
            }
        } catch (RuntimeException e) {
            throw new RedisConnectException("could not connect to Redis at " + url + ": the credentials provider "
                    + describe(credentials) + " failed with " + e + "; it is asked for each new connection, so new "
                    + "connections fail until it answers again (open ones keep working)", e);
        }
        if (answer == null) {
            throw new RedisConnectException("could not connect to Redis at " + url + ": the credentials provider "
                    + describe(credentials) + " returned null; it must return the user and password (or token) for "
                    + "each new connection", null);
        }
        return answer;
    }

    /**
     * Names a provider by its class, never by {@code toString()}: a record or a Jedis provider would print the
     * secret it holds. A lambda's hidden-class suffix ({@code /0x...}) is dropped; its enclosing class remains.
     */
    static String describe(Supplier<?> provider) {
        String name = provider.getClass().getName();
        int hidden = name.indexOf('/');
        return hidden < 0 ? name : name.substring(0, hidden);
    }

    private static String stripPeriod(String message) {
        return message != null && message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    @Override
    public PooledConnection create() {
        return connect(config);
    }

    @Override
    public boolean validate(PooledConnection connection, Duration timeout) {
        if (connection.isBroken() || !connection.isConnected()) {
            return false;
        }
        try {
            connection.setSoTimeout(millis(timeout));
            return connection.ping();
        } catch (JedisException e) {
            return false;
        } finally {
            if (!connection.isBroken()) {
                connection.setSoTimeout(socketTimeoutMillis);
            }
        }
    }

    /**
     * After a dedicated lease the holder may have left a MULTI open, a WATCH or another database selected: one
     * round trip (DISCARD, UNWATCH, SELECT) puts all three back. Connections that only ran pooled single
     * commands or pipelines need nothing.
     */
    @Override
    public void reset(PooledConnection connection) {
        if (connection.isBroken()) {
            throw new IllegalStateException("connection is broken");
        }
        if (!connection.takeDedicated()) {
            return;
        }
        connection.sendCommand(new CommandArguments(Protocol.Command.DISCARD));
        connection.sendCommand(new CommandArguments(Protocol.Command.UNWATCH));
        connection.sendCommand(new CommandArguments(Protocol.Command.SELECT).add(url.database()));
        List<Object> replies = connection.getMany(3);
        for (int i = 0; i < replies.size(); i++) {
            boolean noTransactionToDiscard = i == 0 && replies.get(i) instanceof Exception e
                    && String.valueOf(e.getMessage()).contains("without MULTI");
            if (replies.get(i) instanceof Exception e && !noTransactionToDiscard) {
                throw new IllegalStateException("could not reset the connection: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void destroy(PooledConnection connection) {
        connection.destroy();
    }
}
