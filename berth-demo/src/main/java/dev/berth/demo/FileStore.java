package dev.berth.demo;

import dev.berth.files.Checksum;
import dev.berth.files.CopyResult;
import dev.berth.files.FileCopy;
import dev.berth.files.TempDirectory;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Uploaded files, streamed to and from disk with berth-files: memory stays at one chunk whatever the size, an
 * upload appears whole or not at all ({@link FileCopy} writes a temporary sibling and moves it in place), and an
 * upload over the limit is refused with 413 leaving nothing on disk (the sibling is deleted when the copy fails).
 * Without a configured directory the files live in a {@link TempDirectory} deleted at {@link #close()}.
 * Thread-safe: concurrent uploads of one name each write their own sibling, and the last move wins.
 */
final class FileStore implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final int CHUNK = 64 * 1024;

    private final Path dir;
    private final TempDirectory owned;
    private final long maxBytes;

    private FileStore(Path dir, TempDirectory owned, long maxBytes) {
        this.dir = dir;
        this.owned = owned;
        this.maxBytes = maxBytes;
    }

    /** @param configured the directory to keep files in (created if missing), or {@code null} for a temporary one */
    static FileStore open(Path configured, long maxBytes) throws IOException {
        if (configured == null) {
            TempDirectory temp = TempDirectory.create("berth-demo-files-");
            return new FileStore(temp.path(), temp, maxBytes);
        }
        Files.createDirectories(configured);
        return new FileStore(configured, null, maxBytes);
    }

    /**
     * A stored file.
     *
     * @param name its name
     * @param bytes its size
     * @param sha256 its SHA-256, as 64 hex digits ({@code null} in listings)
     */
    record Stored(String name, long bytes, String sha256) {
    }

    /**
     * Streams {@code body} into the file {@code name}, replacing any file of that name.
     *
     * @param declaredLength the request's Content-Length, when it has one: too large a length is refused before
     *     anything is read
     * @throws ApiException 400 for a bad name, 413 when the body is larger than the limit (nothing is kept)
     * @throws IOException when reading the body or writing the disk failed (nothing is kept)
     */
    Stored store(String name, OptionalLong declaredLength, InputStream body) throws IOException {
        Path target = resolve(name);
        if (declaredLength.isPresent() && declaredLength.getAsLong() > maxBytes) {
            throw tooLarge(name, "is " + declaredLength.getAsLong() + " bytes long");
        }
        Limited limited = new Limited(body, maxBytes);
        try {
            CopyResult copied = FileCopy.from(limited).to(target).replaceExisting()
                    .chunkSize(CHUNK).checksum(Checksum.SHA_256).run();
            return new Stored(name, copied.bytes(), copied.checksum().orElseThrow());
        } catch (IOException e) {
            if (limited.exceeded) {   // FileCopy reports it as its own failure, with the read error as the cause
                throw tooLarge(name, "grew past the limit while it streamed");
            }
            throw e;
        }
    }

    /**
     * Streams the file {@code name} to {@code out} (left open).
     *
     * @param beforeBody called with the file's size before the first byte is written, to set headers
     * @throws ApiException 400 for a bad name, 404 when there is no such file
     */
    void send(String name, java.util.function.LongConsumer beforeBody, java.util.function.Supplier<OutputStream> out)
            throws IOException {
        Path source = resolve(name);
        FileChannel channel;
        try {
            channel = FileChannel.open(source, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw ApiException.notFound("file_not_found", "no file named '" + name + "'; upload it with PUT /api/files/" + name
                    + " (GET /api/files lists the files)");
        }
        try (channel) {
            beforeBody.accept(channel.size());
            OutputStream stream = out.get();
            FileCopy.from(channel).to(stream).chunkSize(CHUNK).run();
        }
    }

    /** @return the stored files, by name (without checksums) */
    List<Stored> list() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                    .sorted()
                    .map(p -> new Stored(p.getFileName().toString(), size(p), null))
                    .toList();
        }
    }

    /** @return the directory the files are in */
    Path directory() {
        return dir;
    }

    long maxBytes() {
        return maxBytes;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;   // deleted or replaced while listing
        }
    }

    private Path resolve(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("invalid_file_name", "the file name '" + name + "' is not allowed: use 1 to 100 "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit (for example report-2024.pdf)");
        }
        return dir.resolve(name);
    }

    private ApiException tooLarge(String name, String what) {
        return new ApiException(413, "payload_too_large", "the upload of '" + name + "' " + what + ", but the limit is "
                + maxBytes + " bytes (" + human(maxBytes) + "); nothing was stored. Send a smaller file or raise "
                + "DEMO_MAX_UPLOAD (--max-upload)");
    }

    static String human(long bytes) {
        if (bytes >= 1 << 30 && bytes % (1 << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }

    @Override
    public void close() throws IOException {
        if (owned != null) {
            owned.close();
        }
    }

    /** Fails the read that would go past {@code limit} bytes. */
    private static final class Limited extends FilterInputStream {
        private final long limit;
        private long read;
        private boolean exceeded;

        Limited(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        static final class Exceeded extends IOException {
            private static final long serialVersionUID = 1L;

            Exceeded() {
                super("the upload is larger than the limit");
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            // Ask for one byte more than the limit allows at most, so a body of exactly the limit passes.
            int asked = (int) Math.min(length, limit - read + 1);
            int n = super.read(buffer, offset, Math.max(asked, 1));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws Exceeded {
            read += n;
            if (read > limit) {
                exceeded = true;
                throw new Exceeded();
            }
        }
    }
}
