package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.PoolConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultRedisCredentials;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisCredentials;

/**
 * {@link RedisPool.Builder#credentials}: a provider asked for each new connection, on private redis-servers that let
 * only one ACL user in ({@link PrivateRedis#withUser}, the default user off), so a connection that did not log in
 * with the provider's answer cannot run a command. The providers are records, whose {@code toString()} prints the
 * password: naming one by {@code toString()} would leak it, and every test checks that no secret shows anywhere
 * (exceptions, {@code toString()}, {@code url()}, {@code report()}, everything logged under {@code dev.berth}).
 */
class RedisCredentialsTest {
    private static final String USER = "app";
    private static final String PASSWORD = "berth-first-4TbKettle";
    private static final String ROTATED = "berth-rotated-8MwLadder";
    private static final String WRONG = "berth-wrong-2PzOtter";
    private static final List<String> SECRETS = List.of(PASSWORD, ROTATED, WRONG);
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(15);

    /** A fixed login; as a record its {@code toString()} shows the password. */
    record Login(String user, String password) implements Supplier<RedisCredentials> {
        @Override
        public RedisCredentials get() {
            return new DefaultRedisCredentials(user, password);
        }
    }

    /** The login of the moment, switched by the test; counts how often berth asked. */
    record Rotating(AtomicReference<Login> current, AtomicInteger asks) implements Supplier<RedisCredentials> {
        Rotating(Login first) {
            this(new AtomicReference<>(first), new AtomicInteger());
        }

        @Override
        public RedisCredentials get() {
            asks.incrementAndGet();
            return current.get().get();
        }
    }

    /** What a token service that went away throws. */
    static final class TokenServiceDown extends IllegalStateException {
        TokenServiceDown() {
            super("token service unreachable (injected by the test)");
        }
    }

    /** Answers with the password until {@code down} is set, then throws. */
    record FailingLater(String password, AtomicBoolean down) implements Supplier<RedisCredentials> {
        @Override
        public RedisCredentials get() {
            if (down.get()) {
                throw new TokenServiceDown();
            }
            return new DefaultRedisCredentials(USER, password);
        }
    }

    /** Held strongly: java.util.logging forgets loggers nobody references, and their handlers with them. */
    private final Logger berthLogger = Logger.getLogger("dev.berth");
    private Level berthLevel;
    private final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord record) { logs.add(record); }
        @Override public void flush() { }
        @Override public void close() { }
    };

    @BeforeEach
    void captureEverythingBerthLogs() {
        berthLevel = berthLogger.getLevel();
        berthLogger.setLevel(Level.ALL); // DEBUG lines too: a secret must not hide in a quiet level
        berthLogger.addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        berthLogger.removeHandler(capture);
        berthLogger.setLevel(berthLevel);
    }

    private static RedisPool.Builder pool(PrivateRedis server, Supplier<? extends RedisCredentials> provider, String name) {
        return RedisPool.builder(server.url()).credentials(provider)
                .pool(PoolConfig.builder().name(name).maxSize(8).acquireTimeout(ACQUIRE_TIMEOUT).build());
    }

    @Test
    void theProvidersCredentialsLogEachNewConnectionIn() throws Exception {
        Rotating provider = new Rotating(new Login(USER, PASSWORD));
        try (PrivateRedis server = PrivateRedis.withUser(USER, PASSWORD);
             RedisPool redis = pool(server, provider, "provided").build()) {
            redis.client().set("greeting", "hello");
            assertThat(redis.client().get("greeting")).isEqualTo("hello");
            try (Jedis one = redis.lease(); Jedis two = redis.lease()) {   // two connections at once: two logins
                assertThat(one.aclWhoAmI()).isEqualTo(USER);
                assertThat(two.aclWhoAmI()).isEqualTo(USER);
            }

            assertThat(redis.stats().created()).as("connections made").isEqualTo(2);
            assertThat(provider.asks()).as("provider asked once per new connection").hasValue(2);
            assertThat(redis.toString()).contains("credentials from " + Rotating.class.getName());
            assertNoSecretIn(redis, List.of());
        }
    }

    @Test
    void aSubscriptionLogsInWithTheProvidersCredentials() throws Exception {
        Rotating provider = new Rotating(new Login(USER, PASSWORD));
        try (PrivateRedis server = PrivateRedis.withUser(USER, PASSWORD);
             RedisPool redis = pool(server, provider, "subscribed").build();
             Subscription orders = redis.subscriber().channels("orders").start()) {
            await().atMost(WAIT).until(orders::isSubscribed);
            redis.client().publish("orders", "1");
            assertThat(orders.take()).isEqualTo(new Message("orders", null, "1"));
            assertThat(provider.asks()).as("asked by the subscription and the pool's one connection").hasValue(2);
        }
    }

    /**
     * The rotation an operator runs: the password changes on the server ({@code ACL SETUSER app resetpass >new}),
     * the provider starts answering with the new one, {@code evict()}. Redis checks passwords only at login, so the
     * open connections keep serving until they come back; their replacements log in with the new password. The pool
     * is full (minIdle = maxSize = 8) before the rotation, so no connection is made between the server's change and
     * the provider's, where the old password would be refused.
     */
    @Test
    void aRotationUnderLoadCostsNoRequestAndEveryNewConnectionUsesTheNewPassword() throws Exception {
        Rotating provider = new Rotating(new Login(USER, PASSWORD));
        try (PrivateRedis server = PrivateRedis.withUser(USER, PASSWORD);
             Jedis admin = server.admin();
             RedisPool redis = RedisPool.builder(server.url()).credentials(provider)
                     .pool(PoolConfig.builder().name("rotating").maxSize(8).minIdle(8).acquireTimeout(ACQUIRE_TIMEOUT).build())
                     .build()) {
            long adminId = admin.clientId();
            await().atMost(WAIT).until(() -> redis.stats().total() == 8);
            assertThat(refusedLogins(admin)).as("logins the server refused before the test").isZero();

            Set<Long> before;
            long createdAtSwitch;
            long evictToReplacedMillis;
            long doneDuringReplacement;
            Load load = new Load(redis.client(), 200);
            try (load) {   // stops the load whatever fails, or the threads would run on
                await().atMost(WAIT).until(() -> load.done.sum() >= 2_000);
                before = pooledClientIds(admin, adminId);
                assertThat(before).as("pool connections on the server before the rotation").hasSize(8);

                admin.aclSetUser(USER, "resetpass", ">" + ROTATED);
                provider.current().set(new Login(USER, ROTATED));
                createdAtSwitch = redis.stats().created();
                long doneBeforeSwitch = load.done.sum();
                long evicted = System.nanoTime();
                redis.evict();

                await().atMost(WAIT).untilAsserted(() -> assertThat(pooledClientIds(admin, adminId))
                        .as("pool connections on the server after evict()").hasSize(8).doesNotContainAnyElementsOf(before));
                evictToReplacedMillis = (System.nanoTime() - evicted) / 1_000_000;
                doneDuringReplacement = load.done.sum() - doneBeforeSwitch;
                long replaced = load.done.sum();
                await().atMost(WAIT).until(() -> load.done.sum() >= replaced + 2_000); // load runs on the new connections
            }

            assertThat(load.failures).as("requests that failed (of %d)", load.done.sum()).isEmpty();
            assertThat(createdAtSwitch).as("connections made before the provider switched").isEqualTo(8);
            assertThat(redis.stats().created()).as("connections made in all").isEqualTo(16);
            assertThat(provider.asks()).as("provider asked once per new connection").hasValue(16);
            assertThat(refusedLogins(admin)).as("logins the server refused (a connection trying the old password)").isZero();
            assertThatThrownBy(() -> {
                try (Jedis old = new Jedis(new HostAndPort("127.0.0.1", server.port()),
                        DefaultJedisClientConfig.builder().user(USER).password(PASSWORD).build())) {
                    old.ping();
                }
            }).as("a login with the old password after the rotation").hasMessageContaining("WRONGPASS");
            assertThat(refusedLogins(admin)).as("refused logins, counting the test's own with the old password").isOne();
            assertThat(redis.stats().leased()).as("leased after the load").isZero();
            assertThat(redis.stats().waiting()).as("waiting after the load").isZero();
            assertNoSecretIn(redis, List.of());
            System.out.printf("rotation under load: %d requests (SET+GET), 0 failed; %d completed between evict() and "
                            + "all 8 connections replaced (%d ms); %d connections made, provider asked %d times%n",
                    load.done.sum(), doneDuringReplacement, evictToReplacedMillis, redis.stats().created(), provider.asks().get());
        }
    }

    @Test
    void aProviderThatThrowsFailsTheCommandAtOnceWithItsFailureAsTheCause() throws Exception {
        FailingLater provider = new FailingLater(PASSWORD, new AtomicBoolean());
        try (PrivateRedis server = PrivateRedis.withUser(USER, PASSWORD);
             RedisPool redis = pool(server, provider, "failing").build()) {
            redis.client().set("k", "v");   // logged in while the provider worked
            provider.down().set(true);
            redis.evict();                  // the one connection goes; the next must ask the provider

            long start = System.nanoTime();
            Throwable failure = catchFailure(() -> redis.client().get("k"));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(tookMillis).as("ms until the command failed (acquire timeout %d ms)", ACQUIRE_TIMEOUT.toMillis())
                    .isLessThan(ACQUIRE_TIMEOUT.toMillis() / 5);
            assertThat(chain(failure)).as("cause chain").anySatisfy(t -> assertThat(t).isInstanceOf(TokenServiceDown.class));
            assertThat(chain(failure)).as("cause chain").anySatisfy(t -> assertThat(t).isInstanceOf(RedisConnectException.class)
                    .hasMessageContaining("the credentials provider " + FailingLater.class.getName() + " failed")
                    .hasMessageContaining("token service unreachable"));
            assertThat(redis.report().toString()).contains(FailingLater.class.getName());
            assertNoSecretIn(redis, List.of(failure));
            assertThat(redis.stats().leased()).isZero();
            System.out.printf("throwing provider: the command failed after %d ms: %s%n", tookMillis, failure);
        }
    }

    @Test
    void aProviderThatReturnsNullFailsTheCommandSayingSo() throws Exception {
        try (PrivateRedis server = PrivateRedis.withUser(USER, PASSWORD);
             RedisPool redis = pool(server, () -> null, "null").build()) {
            Throwable failure = catchFailure(() -> redis.client().get("k"));

            assertThat(chain(failure)).anySatisfy(t -> assertThat(t).isInstanceOf(RedisConnectException.class)
                    .hasMessageContaining("the credentials provider " + RedisCredentialsTest.class.getName())
                    .hasMessageContaining("returned null"));
        }
    }

    @Test
    void aWrongPasswordFromTheProviderReachesTheCallerAsWrongpass() throws Exception {
        try (PrivateRedis server = PrivateRedis.withUser(USER, PASSWORD);
             RedisPool redis = pool(server, new Login(USER, WRONG), "wrong").build()) {
            long start = System.nanoTime();
            Throwable failure = catchFailure(() -> redis.client().get("k"));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(chain(failure)).as("cause chain").anySatisfy(t -> assertThat(t.getMessage()).startsWith("WRONGPASS"));
            assertThat(chain(failure)).as("cause chain").anySatisfy(t -> assertThat(t).isInstanceOf(RedisConnectException.class)
                    .hasMessageContaining("the credentials provider " + Login.class.getName() + " returns valid ones"));
            assertThat(tookMillis).as("ms until the command failed (acquire timeout %d ms)", ACQUIRE_TIMEOUT.toMillis())
                    .isLessThan(ACQUIRE_TIMEOUT.toMillis() / 5);
            assertNoSecretIn(redis, List.of(failure));
            System.out.printf("wrong password from the provider: the command failed after %d ms: %s%n", tookMillis, failure);
        }
    }

    @Test
    void credentialsInTheUrlAndAProviderAreRefusedAtBuild() {
        RedisPool.Builder both = RedisPool.builder("redis://app:" + PASSWORD + "@127.0.0.1:6390/2")
                .credentials(new Login(USER, ROTATED));

        assertThatThrownBy(both::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis://app:***@127.0.0.1:6390/2 carries credentials")
                .hasMessageContaining("credentials(" + Login.class.getName() + ")")
                .hasMessageContaining("take the user and password out of the URL (redis://127.0.0.1:6390/2)")
                .hasMessageNotContainingAny(SECRETS.toArray(String[]::new));
    }

    /** Callers doing SET then GET of a key of their own through the (auto-pipelined) client, each on a virtual thread, until closed. */
    private static final class Load implements AutoCloseable {
        final LongAdder done = new LongAdder();
        final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

        Load(RedisClient client, int callers) {
            for (int i = 0; i < callers; i++) {
                String key = "rotation:" + i;
                threads.submit(() -> {
                    for (long n = 1; !stop.get(); n++) {
                        try {
                            client.set(key, Long.toString(n));
                            String read = client.get(key);
                            if (!Long.toString(n).equals(read)) {
                                throw new AssertionError(key + " read " + read + " after writing " + n);
                            }
                            done.increment();
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }
                });
            }
        }

        /** Stops the callers and waits until each has finished its request. */
        @Override
        public void close() {
            stop.set(true);
            threads.close();
        }
    }

    private static Throwable catchFailure(Runnable command) {
        try {
            command.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("the command succeeded; it should have failed");
    }

    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = failure; t != null && !all.contains(t); t = t.getCause()) {
            all.add(t);
        }
        return all;
    }

    /** Logins the server refused, from ACL LOG (INFO's acl_access_denied_auth is Redis 7.2 and later). */
    private static long refusedLogins(Jedis admin) {
        return admin.aclLog().stream().filter(e -> "auth".equals(e.getReason())).mapToLong(e -> e.getCount()).sum();
    }

    /** The ids of the server's clients other than the admin connection: the pool's connections. */
    private static Set<Long> pooledClientIds(Jedis admin, long adminId) {
        Set<Long> ids = new TreeSet<>();
        for (String line : admin.clientList().split("\n")) {
            if (line.startsWith("id=")) {
                long id = Long.parseLong(line.substring(3, line.indexOf(' ')));
                if (id != adminId) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    /** No secret in the failures (messages and their causes), the pool's text forms, or anything logged. */
    private void assertNoSecretIn(RedisPool redis, List<Throwable> failures) {
        List<String> texts = new ArrayList<>(List.of(redis.toString(), redis.url().toString(), redis.report().toString()));
        for (Throwable failure : failures) {
            chain(failure).forEach(t -> texts.add(String.valueOf(t)));
        }
        SimpleFormatter format = new SimpleFormatter();
        for (LogRecord record : logs) {
            texts.add(format.format(record));   // the message and the thrown exception's stack trace
        }
        for (String text : texts) {
            assertThat(text).doesNotContain(SECRETS);
        }
    }
}
