package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Transfer events reach a browser's event stream through Redis pub/sub; needs PostgreSQL and Redis (real or embedded). */
class DemoEventsTest {

    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings);

    @Test
    void aTransferArrivesAsAServerSentEvent() throws Exception {
        long from = demo.createAccount("sse-from", 100);
        long to = demo.createAccount("sse-to", 0);
        HttpResponse<InputStream> stream = demo.http().send(HttpRequest.newBuilder(demo.uri("/api/events"))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // closed by the test
            }
        });
        try {
            // The stream starts with a comment: once it arrived, this browser is registered for events.
            assertThat(lines.poll(5, TimeUnit.SECONDS)).isEqualTo(":connected");

            HttpResponse<String> moved = demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":42}");
            assertThat(moved.statusCode()).isEqualTo(201);
            long transferId = DemoFixture.json(moved).get("id").asLong();

            JsonNode event = nextTransferEvent(lines, transferId);
            assertThat(event.get("from").asLong()).isEqualTo(from);
            assertThat(event.get("to").asLong()).isEqualTo(to);
            assertThat(event.get("amount").asLong()).isEqualTo(42);
        } finally {
            stream.body().close();
            reader.join(Duration.ofSeconds(5));
        }
    }

    /** Reads {@code event:transfer} / {@code data:...} pairs until the one of {@code transferId} (other tests may transfer too). */
    private static JsonNode nextTransferEvent(BlockingQueue<String> lines, long transferId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String event = null;
        while (System.nanoTime() < deadline) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            if (line.startsWith("event:")) {
                event = line.substring("event:".length()).strip();
            } else if (line.startsWith("data:") && "transfer".equals(event)) {
                JsonNode data = DemoFixture.json(line.substring("data:".length()).strip());
                if (data.get("id").asLong() == transferId) {
                    return data;
                }
            }
        }
        throw new AssertionError("no transfer event for transfer " + transferId + " within 10 s");
    }
}
