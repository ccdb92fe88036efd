package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Copies files several times larger than the test JVM's heap (surefire runs it with {@code -Xmx48m}, see
 * berth-files/pom.xml): this only passes when the copy streams in bounded chunks.
 */
class FileCopyLargeFileTest {

    private static final long SIZE = 320L * 1024 * 1024 + 12_345;

    private static TempDirectory work;
    private static Path source;
    private static String sourceSha256;

    @BeforeAll
    static void writeALargeFile() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("heap limit of the test JVM").isLessThan(SIZE / 4);
        work = TempDirectory.create("berth-large-");
        source = work.path().resolve("large.bin");
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (FileChannel out = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                InputStream pattern = new PatternStream(SIZE)) {
            byte[] chunk = new byte[1 << 20];
            for (int n; (n = pattern.read(chunk, 0, chunk.length)) > 0; ) {
                digest.update(chunk, 0, n);
                ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
        }
        sourceSha256 = HexFormat.of().formatHex(digest.digest());
    }

    @AfterAll
    static void deleteTheLargeFiles() throws IOException {
        work.close();
    }

    @Test
    void kernelCopyOfAFileLargerThanTheHeapIsComplete() throws Exception {
        Path copy = work.path().resolve("kernel-copy.bin");

        CopyResult result = FileCopy.from(source).to(copy).run();

        assertThat(result.bytes()).isEqualTo(SIZE);
        assertThat(copy).hasSize(SIZE);
        assertThat(sha256(copy)).isEqualTo(sourceSha256);
        Files.delete(copy);
    }

    @Test
    void checksummedCopyOfAFileLargerThanTheHeapMatchesTheSource() throws Exception {
        Path copy = work.path().resolve("checksummed-copy.bin");

        CopyResult result = FileCopy.from(source).to(copy).checksum(Checksum.SHA_256).run();

        assertThat(result.checksum()).contains(sourceSha256);
        assertThat(copy).hasSize(SIZE);
        Files.delete(copy);
    }

    @Test
    void streamLargerThanTheHeapIsCopiedToAPath() throws Exception {
        Path copy = work.path().resolve("from-stream.bin");

        CopyResult result = FileCopy.from(new PatternStream(SIZE)).to(copy).checksum(Checksum.SHA_256).run();

        assertThat(result.bytes()).isEqualTo(SIZE);
        assertThat(result.checksum()).contains(sourceSha256);
        Files.delete(copy);
    }

    /** Verifies the copy independently of FileCopy: one more streaming read. */
    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) {
                digest.update(chunk, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** {@code size} bytes of a cheap, non-repeating-per-block pattern, generated on the fly. */
    static final class PatternStream extends InputStream {
        private final long size;
        private long position;

        PatternStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            if (position >= size) {
                return -1;
            }
            return value(position++) & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - position);
            for (int i = 0; i < n; i++) {
                bytes[offset + i] = value(position + i);
            }
            position += n;
            return n;
        }

        private static byte value(long index) {
            return (byte) ((index * 31) ^ (index >>> 12) ^ (index >>> 23));
        }
    }
}
