package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures midway: nothing half-written may remain at the destination. */
class FileCopyFailureTest {

    @TempDir
    Path dir;

    /** Yields {@code good} bytes, then fails like a dropped network connection. */
    static InputStream failingAfter(int good) {
        return new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                if (served >= good) {
                    throw new IOException("Connection reset by peer");
                }
                int n = Math.min(length, good - served);
                served += n;
                return n;
            }
        };
    }

    /** A channel that accepts {@code capacity} bytes, then fails like a full disk. */
    static WritableByteChannel fullAfter(WritableByteChannel real, long capacity) {
        return new WritableByteChannel() {
            private long written;

            @Override
            public int write(ByteBuffer source) throws IOException {
                if (written + source.remaining() > capacity) {
                    throw new IOException("No space left on device");
                }
                int n = real.write(source);
                written += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return real.isOpen();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }

    @Test
    void sourceFailingMidwayLeavesNothingAtTheDestination() {
        Path destination = dir.resolve("upload.bin");

        assertThatThrownBy(() -> FileCopy.from(failingAfter(3_000_000)).to(destination).chunkSize(64 * 1024).run())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("failed after 3000000 bytes")
                .hasMessageContaining("Connection reset by peer")
                .hasMessageContaining("Nothing was written at " + destination);
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void sourceFailingMidwayKeepsTheOldDestinationIntact() throws IOException {
        Path destination = Files.writeString(dir.resolve("report.csv"), "previous version");

        assertThatThrownBy(() -> FileCopy.from(failingAfter(10_000)).to(destination).replaceExisting().run())
                .isInstanceOf(IOException.class);

        assertThat(destination).hasContent("previous version");
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(destination);
        }
    }

    @Test
    void fullDiskLeavesNothingAtTheDestination() throws IOException {
        Path source = Files.write(dir.resolve("source.bin"), FileCopyTest.randomBytes(5_000_000));
        Path destination = dir.resolve("copy.bin");

        for (Checksum checksum : new Checksum[] {null, Checksum.SHA_256}) {
            FileCopy copy = FileCopy.from(source).to(destination).openTempWith(temp ->
                    fullAfter(FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 2_000_000));
            if (checksum != null) {
                copy.checksum(checksum);
            }
            assertThatThrownBy(copy::run)
                    .hasMessageContaining("No space left on device")
                    .hasMessageContaining("check free space");
            try (var entries = Files.list(dir)) {
                assertThat(entries).as("with checksum %s", checksum).containsExactly(source);
            }
        }
    }

    @Test
    void failingDestinationChannelFailsTheCopyWithItsError() {
        WritableByteChannel broken = fullAfter(new WritableByteChannel() {
            @Override
            public int write(ByteBuffer source) {
                int n = source.remaining();
                source.position(source.limit());
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        }, 100);

        assertThatThrownBy(() -> FileCopy.from(new ByteArrayInputStream(new byte[1000])).to(broken).chunkSize(64).run())
                .isInstanceOf(IOException.class)
                .hasMessage("No space left on device");
    }

    @Test
    void progressCallbackThatThrowsAbortsTheCopyAndCleansUp() throws IOException {
        Path source = Files.write(dir.resolve("source.bin"), FileCopyTest.randomBytes(100_000));

        assertThatThrownBy(() -> FileCopy.from(source).to(dir.resolve("copy.bin")).chunkSize(1000)
                .onProgress(p -> {
                    throw new IllegalStateException("listener gave up");
                }, java.time.Duration.ZERO).run())
                .isInstanceOf(IllegalStateException.class).hasMessage("listener gave up");
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(source);
        }
    }

    @Test
    void destinationAppearingDuringTheCopyIsNotOverwritten() throws IOException {
        Path source = Files.write(dir.resolve("source.bin"), FileCopyTest.randomBytes(100_000));
        Path destination = dir.resolve("race.bin");

        assertThatThrownBy(() -> FileCopy.from(source).to(destination).chunkSize(10_000)
                .onProgress(p -> {
                    if (!Files.exists(destination)) {
                        try {
                            Files.writeString(destination, "written by someone else meanwhile");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }, java.time.Duration.ZERO).run())
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class)
                .hasMessageContaining("appeared while the copy ran");

        assertThat(destination).hasContent("written by someone else meanwhile");
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactlyInAnyOrder(source, destination);
        }
    }
}
