package dev.berth.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A streaming copy in chunks of bounded size: memory use stays at one chunk whatever the size of the file.
 * Copies from a path, an {@link InputStream} or a {@link ReadableByteChannel} to a path, an {@link OutputStream}
 * or a {@link WritableByteChannel}, optionally reporting progress and computing a checksum on the way.
 *
 * {@snippet :
 * CopyResult result = FileCopy.from(Path.of("video.mp4"))
 *         .to(Path.of("/backup/video.mp4"))
 *         .checksum(Checksum.SHA_256)
 *         .onProgress(p -> bar.show(p.fraction().orElse(0), p.bytesPerSecond()))
 *         .run();
 * }
 *
 * <p><b>Atomic destination.</b> A copy to a path writes into a temporary sibling ({@code .<name>.<random>.part}
 * in the same directory) and puts it in place atomically once every byte is written: a rename over the old file
 * with {@link #replaceExisting()}, else a hard link that fails if the destination appeared meanwhile.
 * When the copy fails, is interrupted or is cancelled, the sibling is deleted and the destination is exactly as
 * before: absent, or the old file. Streams and channels passed in are neither closed nor rolled back: they
 * belong to the caller.
 *
 * <p><b>Speed.</b> A path-to-path or path-to-channel copy without a checksum uses
 * {@link FileChannel#transferTo} (the kernel copies, as {@code cp} does). Otherwise one buffer of
 * {@link #chunkSize(int)} bytes is reused for the whole copy; it is off-heap when both ends are channels and is
 * freed when the copy ends.
 *
 * <p><b>Cancellation.</b> {@link #run()} checks the thread's interrupt status between chunks and fails with
 * {@link java.io.InterruptedIOException} (interrupt status kept); {@link #runAsync()} returns a future whose
 * {@code cancel} stops the copy the same way. Either way the destination is left untouched.
 *
 * <p><b>Threads.</b> A {@code FileCopy} is a builder: configure it on one thread, then call {@code run} or
 * {@code runAsync} once. The progress callback runs on the copying thread; an exception it throws aborts the
 * copy like any other failure.
 */
public final class FileCopy {

    /** The default chunk size: 1 MiB, large enough that per-chunk overhead is negligible, small enough for any heap. */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;

    /** The default minimum time between two progress reports. */
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofMillis(100);

    private final CopyEnds.Source source;
    private CopyEnds.Target target;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private Consumer<CopyProgress> progress;
    private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
    private Checksum checksum;
    private boolean replaceExisting;
    private boolean durable;
    private CopyEnds.TempOpener tempOpener =
            temp -> FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private FileCopy(CopyEnds.Source source) {
        this.source = source;
    }

    /**
     * Starts a copy of a file.
     *
     * @param source the file to read; opened and closed by the copy
     * @return a builder; choose the destination with a {@code to} method
     */
    public static FileCopy from(Path source) {
        return new FileCopy(new CopyEnds.FromPath(Objects.requireNonNull(source, "source")));
    }

    /**
     * Starts a copy of everything an input stream yields until its end. The stream is not closed.
     *
     * @param source the stream to read to its end
     * @return a builder; choose the destination with a {@code to} method
     */
    public static FileCopy from(InputStream source) {
        return new FileCopy(new CopyEnds.FromStream(Objects.requireNonNull(source, "source")));
    }

    /**
     * Starts a copy of everything a blocking channel yields until its end. The channel is not closed. When it
     * is a {@link java.nio.channels.SeekableByteChannel}, progress reports know the total.
     *
     * @param source the channel to read from its current position to its end; must be in blocking mode
     * @return a builder; choose the destination with a {@code to} method
     */
    public static FileCopy from(ReadableByteChannel source) {
        return new FileCopy(new CopyEnds.FromChannel(Objects.requireNonNull(source, "source")));
    }

    /**
     * Copies into a file, atomically: the file appears complete or not at all.
     *
     * @param destination the file to create (or replace, with {@link #replaceExisting()}); its directory must exist
     * @return this builder
     */
    public FileCopy to(Path destination) {
        target = new CopyEnds.ToPath(Objects.requireNonNull(destination, "destination"));
        return this;
    }

    /**
     * Copies into an output stream, which is flushed at the end but not closed.
     *
     * @param destination the stream to write to
     * @return this builder
     */
    public FileCopy to(OutputStream destination) {
        target = new CopyEnds.ToStream(Objects.requireNonNull(destination, "destination"));
        return this;
    }

    /**
     * Copies into a blocking channel, which is not closed.
     *
     * @param destination the channel to write to; must be in blocking mode
     * @return this builder
     */
    public FileCopy to(WritableByteChannel destination) {
        target = new CopyEnds.ToChannel(Objects.requireNonNull(destination, "destination"));
        return this;
    }

    /**
     * Sets the size of the one buffer the copy uses, and of each kernel transfer; default {@value #DEFAULT_CHUNK_SIZE}.
     *
     * @param bytes from 1 to 1 GiB
     * @return this builder
     * @throws IllegalArgumentException when {@code bytes} is out of range
     */
    public FileCopy chunkSize(int bytes) {
        if (bytes < 1 || bytes > (1 << 30)) {
            throw new IllegalArgumentException("chunkSize must be from 1 byte to 1 GiB (1073741824), got " + bytes
                    + "; the default " + DEFAULT_CHUNK_SIZE + " suits most copies");
        }
        chunkSize = bytes;
        return this;
    }

    /**
     * Reports progress to {@code callback} at most once per {@link #DEFAULT_PROGRESS_INTERVAL}, and once more
     * when the copy has succeeded, with {@link CopyProgress#done()} set.
     *
     * @param callback called on the copying thread
     * @return this builder
     */
    public FileCopy onProgress(Consumer<CopyProgress> callback) {
        return onProgress(callback, DEFAULT_PROGRESS_INTERVAL);
    }

    /**
     * Reports progress to {@code callback} at most once per {@code interval} (however small the chunks), and
     * once more when the copy has succeeded, with {@link CopyProgress#done()} set.
     *
     * @param callback called on the copying thread
     * @param interval the minimum time between two reports; zero reports every chunk
     * @return this builder
     */
    public FileCopy onProgress(Consumer<CopyProgress> callback, Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("progress interval must be zero or positive, got " + interval);
        }
        progress = Objects.requireNonNull(callback, "callback");
        progressInterval = interval;
        return this;
    }

    /**
     * Computes a checksum of the bytes as they pass; read it from {@link CopyResult#checksum()}.
     *
     * @param algorithm the checksum to compute
     * @return this builder
     */
    public FileCopy checksum(Checksum algorithm) {
        checksum = Objects.requireNonNull(algorithm, "algorithm");
        return this;
    }

    /**
     * Lets a copy to a path replace an existing file (atomically). Without it, an existing destination fails
     * the copy before anything is read.
     *
     * @return this builder
     */
    public FileCopy replaceExisting() {
        replaceExisting = true;
        return this;
    }

    /**
     * Makes a copy to a path durable: the data is forced to the device before the move and the directory after
     * it, so a crash right after {@code run} returns cannot lose the file. Slower; off by default, like {@code cp}.
     *
     * @return this builder
     */
    public FileCopy durable() {
        durable = true;
        return this;
    }

    /** Replaces how the temporary sibling is opened, to simulate failing disks in tests. */
    FileCopy openTempWith(CopyEnds.TempOpener opener) {
        tempOpener = Objects.requireNonNull(opener, "opener");
        return this;
    }

    /**
     * Runs the copy on this thread, blocking until it is done; made for virtual threads.
     *
     * @return what was copied
     * @throws java.nio.file.NoSuchFileException when the source file or the destination's directory does not exist
     * @throws java.nio.file.FileAlreadyExistsException when the destination exists and {@link #replaceExisting()}
     *     was not called
     * @throws java.io.InterruptedIOException when the thread was interrupted; the destination is untouched
     * @throws IOException when reading or writing failed; the destination is untouched
     * @throws IllegalStateException when no destination was chosen
     */
    public CopyResult run() throws IOException {
        return newRun().execute();
    }

    /**
     * Runs the copy on a new virtual thread.
     *
     * @return a future of the result; {@code cancel} stops the copy between chunks and the destination stays
     *     untouched (the temporary sibling is deleted shortly after the future completes as cancelled; a cancel
     *     that arrives after the file was put in place cannot undo it)
     * @throws IllegalStateException when no destination was chosen
     */
    public CompletableFuture<CopyResult> runAsync() {
        return runAsync(task -> Thread.ofVirtual().name("berth-file-copy").start(task));
    }

    /**
     * Runs the copy on {@code executor}.
     *
     * @param executor where the copy runs; it blocks one thread of it for the whole copy
     * @return a future of the result; {@code cancel} stops the copy between chunks and the destination stays
     *     untouched (the temporary sibling is deleted shortly after the future completes as cancelled; a cancel
     *     that arrives after the file was put in place cannot undo it)
     * @throws IllegalStateException when no destination was chosen
     * @throws java.util.concurrent.RejectedExecutionException when {@code executor} refuses the task
     */
    public CompletableFuture<CopyResult> runAsync(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        CancellableCopy future = new CancellableCopy(newRun());
        executor.execute(future::runOnThisThread);
        return future;
    }

    private CopyRun newRun() {
        if (target == null) {
            throw new IllegalStateException("No destination for the copy from " + source.describe()
                    + ": call to(Path), to(OutputStream) or to(WritableByteChannel) before run()");
        }
        return new CopyRun(source, target, chunkSize, progress, progressInterval, checksum, replaceExisting,
                durable, tempOpener);
    }
}
