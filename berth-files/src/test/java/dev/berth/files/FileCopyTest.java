package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCopyTest {

    @TempDir
    Path dir;

    static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void copiesAFileToANewPathByteForByte() throws Exception {
        byte[] content = randomBytes(3 * 1024 * 1024 + 17);
        Path source = Files.write(dir.resolve("source.bin"), content);

        CopyResult result = FileCopy.from(source).to(dir.resolve("copy.bin")).run();

        assertThat(Files.readAllBytes(dir.resolve("copy.bin"))).isEqualTo(content);
        assertThat(result.bytes()).isEqualTo(content.length);
        assertThat(result.checksum()).isEmpty();
    }

    @Test
    void computesSha256OnTheWay() throws Exception {
        byte[] content = randomBytes(2_500_000);
        Path source = Files.write(dir.resolve("source.bin"), content);

        CopyResult result = FileCopy.from(source).to(dir.resolve("copy.bin")).checksum(Checksum.SHA_256).run();

        assertThat(result.checksum()).contains(sha256(content));
        assertThat(Files.readAllBytes(dir.resolve("copy.bin"))).isEqualTo(content);
    }

    @Test
    void computesCrc32cOnTheWay() throws Exception {
        byte[] content = randomBytes(100_000);
        Path source = Files.write(dir.resolve("source.bin"), content);
        CRC32C expected = new CRC32C();
        expected.update(content);

        CopyResult result = FileCopy.from(source).to(dir.resolve("copy.bin")).checksum(Checksum.CRC32C).run();

        assertThat(result.checksum()).contains(String.format("%08x", expected.getValue()));
    }

    @Test
    void copiesAnEmptyFile() throws Exception {
        Path source = Files.createFile(dir.resolve("empty"));
        List<CopyProgress> reports = new ArrayList<>();

        CopyResult result = FileCopy.from(source).to(dir.resolve("copy")).checksum(Checksum.SHA_256)
                .onProgress(reports::add).run();

        assertThat(dir.resolve("copy")).exists().isEmptyFile();
        assertThat(result.bytes()).isZero();
        assertThat(result.checksum()).contains(sha256(new byte[0]));
        assertThat(reports).singleElement().satisfies(p -> {
            assertThat(p.done()).isTrue();
            assertThat(p.fraction()).hasValue(1.0);
        });
    }

    @Test
    void copiesBetweenNonAsciiNames() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("données été"));
        Path source = Files.writeString(folder.resolve("résumé 日本語 ✓.txt"), "grüße");

        FileCopy.from(source).to(folder.resolve("копия 📄.txt")).run();

        assertThat(folder.resolve("копия 📄.txt")).hasContent("grüße");
    }

    @Test
    void smallChunksCopyTheSameBytesInBothEngines() throws Exception {
        byte[] content = randomBytes(10_007);
        Path source = Files.write(dir.resolve("source.bin"), content);

        FileCopy.from(source).to(dir.resolve("kernel.bin")).chunkSize(7).run();
        CopyResult pumped = FileCopy.from(source).to(dir.resolve("pumped.bin")).chunkSize(7).checksum(Checksum.SHA_256).run();

        assertThat(Files.readAllBytes(dir.resolve("kernel.bin"))).isEqualTo(content);
        assertThat(Files.readAllBytes(dir.resolve("pumped.bin"))).isEqualTo(content);
        assertThat(pumped.checksum()).contains(sha256(content));
    }

    @Test
    void refusesToOverwriteAnExistingDestinationUnlessAsked() throws Exception {
        Path source = Files.writeString(dir.resolve("new.txt"), "new");
        Path destination = Files.writeString(dir.resolve("old.txt"), "old");

        assertThatThrownBy(() -> FileCopy.from(source).to(destination).run())
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("replaceExisting()");
        assertThat(destination).hasContent("old");

        FileCopy.from(source).to(destination).replaceExisting().run();
        assertThat(destination).hasContent("new");
    }

    @Test
    void missingSourceFailsWithItsPathAndLeavesNothing() {
        Path missing = dir.resolve("no-such-file.bin");

        assertThatThrownBy(() -> FileCopy.from(missing).to(dir.resolve("copy.bin")).run())
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void missingDestinationDirectoryFailsBeforeReading() throws Exception {
        Path source = Files.writeString(dir.resolve("a.txt"), "a");

        assertThatThrownBy(() -> FileCopy.from(source).to(dir.resolve("nope/a.txt")).run())
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("create it first");
    }

    @Test
    void copyingAFileOntoItselfIsRefused() throws Exception {
        Path source = Files.writeString(dir.resolve("a.txt"), "keep me");

        assertThatThrownBy(() -> FileCopy.from(source).to(source).replaceExisting().run())
                .hasMessageContaining("onto itself");
        assertThat(source).hasContent("keep me");
    }

    @Test
    void copiesAnInputStreamToAPath() throws Exception {
        byte[] content = randomBytes(1_234_567);

        CopyResult result = FileCopy.from(new ByteArrayInputStream(content)).to(dir.resolve("in.bin"))
                .chunkSize(4096).checksum(Checksum.SHA_256).run();

        assertThat(Files.readAllBytes(dir.resolve("in.bin"))).isEqualTo(content);
        assertThat(result.checksum()).contains(sha256(content));
    }

    @Test
    void copiesAPathToAnOutputStream() throws Exception {
        byte[] content = randomBytes(300_000);
        Path source = Files.write(dir.resolve("source.bin"), content);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        CopyResult result = FileCopy.from(source).to(out).run();

        assertThat(out.toByteArray()).isEqualTo(content);
        assertThat(result.bytes()).isEqualTo(content.length);
    }

    @Test
    void copiesAChannelToAPathAndAPathToAChannel() throws Exception {
        byte[] content = randomBytes(777_777);
        Path source = Files.write(dir.resolve("source.bin"), content);
        try (FileChannel in = FileChannel.open(source)) {
            FileCopy.from(in).to(dir.resolve("from-channel.bin")).run();
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        FileCopy.from(dir.resolve("from-channel.bin")).to(Channels.newChannel(sink)).run();

        assertThat(sink.toByteArray()).isEqualTo(content);
    }

    @Test
    void seekableChannelSourceReportsItsRemainingSizeAsTotal() throws Exception {
        Path source = Files.write(dir.resolve("source.bin"), randomBytes(10_000));
        List<CopyProgress> reports = new ArrayList<>();
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
            in.position(4_000);
            FileCopy.from(in).to(dir.resolve("tail.bin")).onProgress(reports::add).run();
        }

        assertThat(reports.getLast().total()).hasValue(6_000);
        assertThat(dir.resolve("tail.bin")).hasSize(6_000);
    }

    @Test
    void progressIsRateLimitedAndAlwaysEndsWithADoneReport() throws Exception {
        Path source = Files.write(dir.resolve("source.bin"), randomBytes(1_000_000));
        List<CopyProgress> reports = new ArrayList<>();

        FileCopy.from(source).to(dir.resolve("copy.bin")).chunkSize(100)
                .onProgress(reports::add, Duration.ofHours(1)).run();

        assertThat(reports).singleElement().satisfies(p -> {
            assertThat(p.done()).isTrue();
            assertThat(p.bytesCopied()).isEqualTo(1_000_000);
            assertThat(p.total()).hasValue(1_000_000);
        });
    }

    @Test
    void progressWithZeroIntervalReportsEveryChunkInOrder() throws Exception {
        Path source = Files.write(dir.resolve("source.bin"), randomBytes(10_000));
        List<CopyProgress> reports = new ArrayList<>();

        FileCopy.from(source).to(dir.resolve("copy.bin")).chunkSize(1000).checksum(Checksum.CRC32C)
                .onProgress(reports::add, Duration.ZERO).run();

        assertThat(reports).hasSize(11);
        assertThat(reports.stream().mapToLong(CopyProgress::bytesCopied)).isSorted();
        assertThat(reports.getLast().done()).isTrue();
    }

    @Test
    void asyncCopyCompletesWithTheResult() throws Exception {
        byte[] content = randomBytes(2_000_000);
        Path source = Files.write(dir.resolve("source.bin"), content);

        CopyResult result = FileCopy.from(source).to(dir.resolve("copy.bin")).checksum(Checksum.SHA_256)
                .runAsync().get();

        assertThat(result.checksum()).contains(sha256(content));
        assertThat(Files.readAllBytes(dir.resolve("copy.bin"))).isEqualTo(content);
    }

    @Test
    void chunkSizeOutOfRangeIsRejectedWithTheValue() {
        assertThatThrownBy(() -> FileCopy.from(dir).chunkSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }

    @Test
    void runWithoutDestinationSaysWhatToCall() {
        assertThatThrownBy(() -> FileCopy.from(dir.resolve("a")).run())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("to(Path)");
    }

    @Test
    void durableCopyProducesTheSameFile() throws IOException {
        Path source = Files.writeString(dir.resolve("a.txt"), "durable");

        FileCopy.from(source).to(dir.resolve("b.txt")).durable().run();

        assertThat(dir.resolve("b.txt")).hasContent("durable");
    }

    @Test
    void filesThatReportSizeZeroAreReadToTheirEnd() throws Exception {
        Path procFile = Path.of("/proc/self/status");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(procFile) && Files.size(procFile) == 0,
                "needs Linux /proc, whose files report size 0");

        CopyResult result = FileCopy.from(procFile).to(dir.resolve("status.txt")).run();

        assertThat(result.bytes()).isPositive();
        assertThat(dir.resolve("status.txt")).content().contains("Name:");
    }
}
