package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.jdbc.BerthDataSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Starting and stopping: every pool closed, embedded servers stopped, also through Main's shutdown hook. */
class DemoShutdownTest {

    @Test
    void closeStopsTheServerAndClosesEveryPool() throws Exception {
        DemoFixture demo = DemoFixture.start();
        URI uri = demo.uri();
        assertThat(demo.get("/health").statusCode()).isEqualTo(200);

        demo.close();

        assertThat(((BerthDataSource) demo.server().dataSource()).isClosed()).isTrue();
        assertThat(demo.server().closedSummary()).as("each berth pool closed gracefully, with its report")
                .contains("primary closed in").contains("redis closed in").doesNotContain("cut off");
        assertThatThrownBy(() -> demo.server().redis().ping()).isInstanceOf(RuntimeException.class);
        assertThat(refuses(uri.getPort())).as("the HTTP port is closed").isTrue();
    }

    @Test
    void withoutUrlsItRunsOnEmbeddedServersAndStopsThem() throws Exception {
        DemoServer demo = DemoServer.start(DemoConfig.defaults().withPort(0));
        int pgPort;
        int redisPort;
        try {
            pgPort = URI.create(demo.databaseUrl().replace("postgres://", "http://")).getPort();
            redisPort = URI.create(demo.redisUrl()).getPort();
            assertThat(demo.description()).contains("embedded PostgreSQL").contains("embedded Redis");
            assertThat(refuses(pgPort)).isFalse();
            assertThat(refuses(redisPort)).isFalse();
            var http = java.net.http.HttpClient.newHttpClient();
            var health = http.send(java.net.http.HttpRequest.newBuilder(demo.uri().resolve("/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            http.close();
        } finally {
            demo.close();
        }
        assertThat(refuses(pgPort)).as("embedded PostgreSQL stopped").isTrue();
        assertThat(refuses(redisPort)).as("embedded Redis stopped").isTrue();
    }

    @Test
    void mainPrintsTheUrlAndShutsDownCleanlyOnSigterm() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--port", "0", "--database-url", DemoFixture.databaseUrl()));
        String redis = DemoFixture.redisUrl();
        if (redis != null) {
            command.addAll(List.of("--redis-url", redis));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        List<String> seen = new ArrayList<>();
        try {
            String open = null;
            while (open == null) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                assertThat(line).as("Main's output so far: %s", seen).isNotNull();
                seen.add(line);
                if (line.startsWith("berth demo: open ")) {
                    open = line;
                }
            }
            URI uri = URI.create(open.substring("berth demo: open ".length()).split(" ")[0]);
            assertThat(uri.getHost()).isEqualTo("127.0.0.1");
            assertThat(refuses(uri.getPort())).isFalse();

            // SIGTERM: the shutdown hook runs, as on Ctrl-C (SIGINT). Not process.destroy(), which also closes the
            // pipes, so the last lines the demo prints would be lost.
            assertThat(process.toHandle().destroy()).isTrue();

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(Duration.ofSeconds(5));
            List<String> rest = new ArrayList<>();
            lines.drainTo(rest);
            assertThat(rest).as("output after SIGTERM (exit %d; before: %s)", process.exitValue(), seen)
                    .anySatisfy(l -> assertThat(l).contains("stopped (server closed, every pool closed"))
                    .anySatisfy(l -> assertThat(l).contains("primary closed in")) // the SIGTERM path drains gracefully
                    .anySatisfy(l -> assertThat(l).contains("redis closed in"));
            assertThat(refuses(uri.getPort())).isTrue();
        } finally {
            process.destroyForcibly();
        }
    }

    private static boolean refuses(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }
}
