package dev.berth.files;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/** One execution of a {@link FileCopy}: checks the ends, moves the bytes, cleans up. Used by one thread. */
final class CopyRun {

    private final CopyEnds.Source source;
    private final CopyEnds.Target target;
    private final int chunkSize;
    private final Consumer<CopyProgress> progress;
    private final long progressIntervalNanos;
    private final Checksum checksum;
    private final boolean replaceExisting;
    private final boolean durable;
    private final CopyEnds.TempOpener tempOpener;

    private volatile boolean cancelled;
    private long startNanos;
    private long lastReportNanos;
    private OptionalLong total = OptionalLong.empty();
    private long copied;
    private boolean published;

    CopyRun(CopyEnds.Source source, CopyEnds.Target target, int chunkSize, Consumer<CopyProgress> progress,
            Duration progressInterval, Checksum checksum, boolean replaceExisting, boolean durable,
            CopyEnds.TempOpener tempOpener) {
        this.source = source;
        this.target = target;
        this.chunkSize = chunkSize;
        this.progress = progress;
        this.progressIntervalNanos = progressInterval.toNanos();
        this.checksum = checksum;
        this.replaceExisting = replaceExisting;
        this.durable = durable;
        this.tempOpener = tempOpener;
    }

    /** Asks the copy to stop at the next chunk boundary; callable from any thread. */
    void cancel() {
        cancelled = true;
    }

    CopyResult execute() throws IOException {
        startNanos = System.nanoTime();
        lastReportNanos = startNanos;
        checkSource();
        Checksum.Running running = checksum == null ? null : checksum.start();
        if (target instanceof CopyEnds.ToPath(Path destination)) {
            copyToPath(destination, running);
        } else {
            WritableByteChannel channel = target instanceof CopyEnds.ToChannel(WritableByteChannel c) ? c : null;
            try {
                copyFromSource(channel, running);
            } catch (ClosedByInterruptException e) {
                throw interrupted(e);
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        if (progress != null) {
            progress.accept(new CopyProgress(copied, total, elapsed, true));
        }
        return new CopyResult(copied, elapsed, Optional.ofNullable(running).map(Checksum.Running::hex));
    }

    private void checkSource() throws IOException {
        if (source instanceof CopyEnds.FromPath(Path path)) {
            if (!Files.exists(path)) {
                throw new NoSuchFileException(path.toString(), null,
                        "the file to copy does not exist; check the path and the current directory");
            }
            if (Files.isDirectory(path)) {
                throw new IOException("Cannot copy " + path + ": it is a directory; FileCopy copies one file");
            }
        }
    }

    private void copyToPath(Path destination, Checksum.Running running) throws IOException {
        Path absolute = destination.toAbsolutePath();
        Path directory = absolute.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new NoSuchFileException(String.valueOf(directory), null,
                    "the directory to copy " + source.describe() + " into does not exist; create it first");
        }
        if (Files.isDirectory(absolute)) {
            throw new FileAlreadyExistsException(absolute.toString(), null,
                    "the destination is a directory; name the file to create inside it");
        }
        if (!replaceExisting && Files.exists(absolute)) {
            throw new FileAlreadyExistsException(absolute.toString(), null,
                    "the destination exists; call replaceExisting() to overwrite it (atomically)");
        }
        if (source instanceof CopyEnds.FromPath(Path from) && Files.exists(absolute) && Files.isSameFile(from, absolute)) {
            throw new IOException("Cannot copy " + from + " onto itself (" + absolute + "); choose another destination");
        }
        Path temp = directory.resolve("." + absolute.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".part");
        try {
            try (WritableByteChannel out = tempOpener.open(temp)) {
                copyFromSource(out, running);
                if (durable && out instanceof FileChannel file) {
                    file.force(true);
                }
            }
            checkCancelled();
            publish(temp, absolute);
            if (durable) {
                forceDirectory(directory);
            }
        } catch (IOException failure) {
            if (published) {
                throw failure;
            }
            deletePartial(temp, failure);
            throw explain(failure, absolute);
        } catch (RuntimeException | Error failure) {
            deletePartial(temp, failure);
            throw failure;
        }
    }

    /**
     * Puts the complete temporary file in place. Replacing: an atomic rename. Not replacing: a hard link, which
     * fails atomically when the destination appeared meanwhile (a rename would silently replace it), then the
     * temporary name is removed; file systems without hard links fall back to check-then-rename.
     */
    private void publish(Path temp, Path destination) throws IOException {
        if (replaceExisting) {
            Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            published = true;
            return;
        }
        try {
            Files.createLink(destination, temp);
        } catch (FileAlreadyExistsException appeared) {
            throw new FileAlreadyExistsException(destination.toString(), null,
                    "the destination appeared while the copy ran; call replaceExisting() to overwrite it");
        } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
            if (Files.exists(destination)) {
                throw new FileAlreadyExistsException(destination.toString(), null,
                        "the destination appeared while the copy ran; call replaceExisting() to overwrite it");
            }
            Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE);
            published = true;
            return;
        }
        published = true;
        try {
            Files.delete(temp);
        } catch (IOException e) {
            throw new IOException("Copied " + source.describe() + " to " + destination + " completely, but could not"
                    + " remove the second name " + temp + " of the same file: " + e.getMessage() + "; delete it by hand", e);
        }
    }

    private static void deletePartial(Path temp, Throwable failure) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException cleanup) {
            failure.addSuppressed(new IOException("Could not delete the partial copy " + temp
                    + "; delete it by hand", cleanup));
        }
    }

    private IOException explain(IOException failure, Path destination) {
        if (failure instanceof ClosedByInterruptException) {
            return interrupted(failure);
        }
        if (failure instanceof InterruptedIOException || failure instanceof NoSuchFileException
                || failure instanceof FileAlreadyExistsException) {
            return failure;
        }
        return new IOException("Copying " + source.describe() + " to " + destination + " failed after " + copied
                + (total.isPresent() ? " of " + total.getAsLong() : "") + " bytes: " + failure.getMessage()
                + ". Nothing was written at " + destination + "; check free space and permissions", failure);
    }

    private void copyFromSource(WritableByteChannel out, Checksum.Running running) throws IOException {
        if (source instanceof CopyEnds.FromPath(Path path)) {
            try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
                // Pipes, devices and /proc files report size 0 whatever they hold: read them to their end.
                boolean regular = Files.isRegularFile(path);
                boolean sized = regular && in.size() > 0;
                total = regular ? OptionalLong.of(in.size()) : OptionalLong.empty();
                if (running == null && out != null && sized) {
                    transfer(in, out);
                } else {
                    pump(in, out, running);
                }
            }
        } else {
            total = source.size();
            pump(source instanceof CopyEnds.FromChannel(ReadableByteChannel c) ? c : null, out, running);
        }
        if (out == null && target instanceof CopyEnds.ToStream(var stream)) {
            stream.flush();
        }
    }

    /** Kernel copy (copy_file_range or sendfile on Linux) in chunk-sized steps, so cancellation is timely. */
    private void transfer(FileChannel in, WritableByteChannel out) throws IOException {
        long position = in.position();
        while (true) {
            checkCancelled();
            long moved = in.transferTo(position, chunkSize, out);
            if (moved <= 0) {
                return;
            }
            position += moved;
            advance(moved);
        }
    }

    /**
     * One reused buffer: off-heap (freed at the end, not by the GC) when both ends are channels, a heap array
     * when a stream is involved, since streams only take arrays.
     */
    private void pump(ReadableByteChannel in, WritableByteChannel out, Checksum.Running running) throws IOException {
        if (in != null && out != null) {
            try (Arena arena = Arena.ofConfined()) {
                ByteBuffer buffer = arena.allocate(chunkSize, 4096).asByteBuffer();
                pump(in, out, running, buffer);
            }
        } else {
            pump(in, out, running, ByteBuffer.allocate(chunkSize));
        }
    }

    private void pump(ReadableByteChannel in, WritableByteChannel out, Checksum.Running running, ByteBuffer buffer)
            throws IOException {
        while (true) {
            checkCancelled();
            buffer.clear();
            int read = in != null ? in.read(buffer) : readStream(buffer);
            if (read < 0) {
                return;
            }
            buffer.flip();
            if (running != null) {
                running.update(buffer);
            }
            if (out != null) {
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            } else {
                ((CopyEnds.ToStream) target).out().write(buffer.array(), buffer.arrayOffset(), buffer.limit());
            }
            advance(read);
        }
    }

    private int readStream(ByteBuffer buffer) throws IOException {
        int read = ((CopyEnds.FromStream) source).in().read(buffer.array(), buffer.arrayOffset(), buffer.capacity());
        if (read > 0) {
            buffer.position(read);
        }
        return read;
    }

    private void advance(long bytes) {
        copied += bytes;
        if (progress != null) {
            long now = System.nanoTime();
            if (now - lastReportNanos >= progressIntervalNanos) {
                lastReportNanos = now;
                progress.accept(new CopyProgress(copied, total, Duration.ofNanos(now - startNanos), false));
            }
        }
    }

    private void checkCancelled() throws InterruptedIOException {
        if (cancelled || Thread.currentThread().isInterrupted()) {
            throw interrupted(null);
        }
    }

    private InterruptedIOException interrupted(Throwable cause) {
        InterruptedIOException e = new InterruptedIOException("The copy of " + source.describe() + " to "
                + target.describe() + " was " + (cancelled ? "cancelled" : "interrupted") + " after " + copied
                + " bytes" + (target instanceof CopyEnds.ToPath ? "; the destination was left untouched" : ""));
        e.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, copied);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // Some platforms (Windows) cannot open a directory; the rename is then as durable as the OS makes it.
        }
    }
}
