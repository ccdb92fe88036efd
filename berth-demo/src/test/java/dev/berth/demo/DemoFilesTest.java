package dev.berth.demo;

import static dev.berth.demo.DemoApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Uploads and downloads stream through berth-files, with a size limit of 256 KiB here; needs PostgreSQL and Redis. */
class DemoFilesTest {
    private static final long LIMIT = 256 * 1024;

    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings.withMaxUploadBytes(LIMIT));

    @Test
    void uploadedFileComesBackByteForByteWithItsChecksum() throws Exception {
        byte[] content = random(200_000);

        HttpResponse<String> uploaded = demo.send(HttpRequest.newBuilder(demo.uri("/api/files/round-trip.bin"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)));

        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        JsonNode stored = DemoFixture.json(uploaded);
        assertThat(stored.get("bytes").asLong()).isEqualTo(content.length);
        assertThat(stored.get("sha256").asText()).isEqualTo(sha256(content));
        HttpResponse<byte[]> downloaded = demo.http().send(HttpRequest.newBuilder(demo.uri("/api/files/round-trip.bin")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(downloaded.statusCode()).isEqualTo(200);
        assertThat(downloaded.headers().firstValueAsLong("Content-Length")).hasValue(content.length);
        assertThat(sha256(downloaded.body())).isEqualTo(sha256(content));
        assertThat(DemoFixture.json(demo.get("/api/files")).get("files").toString()).contains("round-trip.bin");
    }

    @Test
    void uploadOfExactlyTheLimitIsAccepted() {
        HttpResponse<String> uploaded = demo.send(HttpRequest.newBuilder(demo.uri("/api/files/at-limit.bin"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(random((int) LIMIT))));
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
    }

    @Test
    void declaredOversizedUploadIs413AndLeavesNothingOnDisk() throws Exception {
        HttpResponse<String> refused = demo.send(HttpRequest.newBuilder(demo.uri("/api/files/too-big-declared.bin"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(random((int) LIMIT + 1))));

        assertError(refused, 413, "payload_too_large", "limit is " + LIMIT + " bytes (256 KiB)");
        assertThat(filesOnDisk()).noneMatch(name -> name.contains("too-big-declared"));
    }

    @Test
    void streamedOversizedUploadIs413AndLeavesNothingOnDisk() throws Exception {
        byte[] content = random(3 * (int) LIMIT);
        // From an InputStream the client sends no Content-Length (chunked): the limit is hit while the file streams.
        HttpResponse<String> refused = demo.send(HttpRequest.newBuilder(demo.uri("/api/files/too-big-streamed.bin"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(content))));

        assertError(refused, 413, "payload_too_large", "grew past the limit");
        assertThat(filesOnDisk()).noneMatch(name -> name.contains("too-big-streamed"));
    }

    @Test
    void fileNameWithAPathIs400() {
        assertError(demo.send(HttpRequest.newBuilder(demo.uri("/api/files/..hidden")).PUT(HttpRequest.BodyPublishers.ofString("x"))),
                400, "invalid_file_name", "'..hidden'");
    }

    @Test
    void missingFileIs404() {
        assertError(demo.get("/api/files/never-uploaded.txt"), 404, "file_not_found", "never-uploaded.txt");
    }

    /** Every entry of the upload directory, temporary siblings ({@code .name.part}) included. */
    private static List<String> filesOnDisk() throws Exception {
        Path dir = demo.server().filesDirectory();
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
