package dev.berth.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The demo running for a test, on an ephemeral loopback port, against the real servers: the PostgreSQL of
 * {@link TestPostgres} (127.0.0.1:5432, else an embedded one) and the Redis on 127.0.0.1:6379 when it answers (else
 * the demo starts its own embedded Redis, as it does without {@code REDIS_URL}).
 *
 * {@snippet :
 * try (DemoFixture demo = DemoFixture.start()) {
 *     HttpResponse<String> pools = demo.get("/api/pools");
 *     driver.get(demo.uri().toString());          // the dashboard
 * }
 * }
 *
 * <p>Also a small HTTP client for the tests ({@link #get}, {@link #post}, {@link #json}). Thread-safe.
 */
final class DemoFixture implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final UnaryOperator<DemoConfig> settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile DemoServer server;

    private DemoFixture(UnaryOperator<DemoConfig> settings) {
        this.settings = settings;
    }

    /**
     * One demo for a whole test class: it starts before the class's first test and stops after its last.
     *
     * {@snippet :
     * @RegisterExtension
     * static final DemoFixture demo = DemoFixture.perClass(settings -> settings.withPoolSize(3));
     * }
     *
     * @param settings changes to the test settings
     * @return the fixture, started by JUnit
     */
    static DemoFixture perClass(UnaryOperator<DemoConfig> settings) {
        return new DemoFixture(settings);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        launch();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    private DemoFixture launch() throws Exception {
        DemoConfig config = DemoConfig.defaults().withPort(0).withDatabaseUrl(databaseUrl()).withRedisUrl(redisUrl());
        server = DemoServer.start(settings.apply(config));
        return this;
    }

    /** @return the demo on berth's pools, with the default settings but an ephemeral port */
    static DemoFixture start() throws Exception {
        return start(settings -> settings);
    }

    /** @return the demo on the given pools (berth's, or HikariCP and JedisPool) */
    static DemoFixture start(DemoConfig.Pools pools) throws Exception {
        return start(settings -> settings.withPools(pools));
    }

    /**
     * @param settings changes to the test settings (ephemeral port, the test servers, 10 connections, 1 s acquire timeout)
     * @return the running demo
     */
    static DemoFixture start(UnaryOperator<DemoConfig> settings) throws Exception {
        return new DemoFixture(settings).launch();
    }

    /** The test PostgreSQL, as a URL with its user. */
    static String databaseUrl() {
        String url = TestPostgres.jdbcUrl();
        return url + (url.contains("?") ? "&" : "?") + "user=" + TestPostgres.user();
    }

    /** The shared Redis on 127.0.0.1:6379 when it answers, else {@code null}: the demo then starts an embedded one. */
    static String redisUrl() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
            socket.setSoTimeout(1_000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = socket.getInputStream().readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n") ? "redis://127.0.0.1:6379/0" : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** @return the base address, {@code http://127.0.0.1:<port>/} */
    URI uri() {
        return server.uri();
    }

    /** @return {@code path} (such as {@code "/api/pools"}) on the demo */
    URI uri(String path) {
        return server.uri().resolve(path);
    }

    DemoServer server() {
        return server;
    }

    HttpClient http() {
        return http;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** POSTs {@code json} (which may be malformed on purpose) as application/json. */
    HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** @return the response's body, parsed */
    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** @return {@code text}, parsed */
    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Creates an account and returns its id. */
    long createAccount(String owner, long balance) {
        HttpResponse<String> created = post("/api/accounts", "{\"owner\":\"" + owner + "\",\"balance\":" + balance + "}");
        if (created.statusCode() != 201) {
            throw new AssertionError("account not created: " + created.statusCode() + " " + created.body());
        }
        return json(created).get("id").asLong();
    }

    /** Stops the demo: server, pools, and any embedded server it started. */
    @Override
    public void close() throws Exception {
        http.close();
        DemoServer running = server;
        if (running != null) {
            running.close();
        }
    }
}
