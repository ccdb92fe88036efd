package dev.berth.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * Reads a text file line by line with a chosen charset, without loading it whole: as a blocking
 * {@link LineReader} for (virtual) threads, or as a {@link Flow.Publisher} with backpressure for asynchronous
 * pipelines.
 *
 * {@snippet :
 * // blocking, on a virtual thread
 * try (LineReader lines = Lines.open(path, StandardCharsets.UTF_8)) {
 *     lines.forEachRemaining(System.out::println);
 * }
 *
 * // asynchronous: lines are read only as the subscriber requests them
 * Lines.publisher(path, StandardCharsets.UTF_8).subscribe(subscriber);
 * }
 *
 * <p>Invalid bytes are never replaced: they end the reading with a {@link MalformedLineException} that names the
 * file and the line. All methods are safe to call from any thread.
 */
public final class Lines {

    private Lines() {
    }

    /**
     * Opens a file for reading line by line. Close the reader (try-with-resources) to close the file.
     *
     * @param path the file to read
     * @param charset how its bytes encode characters
     * @return a reader positioned before the first line
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     * @throws IOException when the file cannot be opened
     */
    public static LineReader open(Path path, Charset charset) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(charset, "charset");
        return new LineReader(path, charset, FileChannel.open(path, StandardOpenOption.READ));
    }

    /**
     * A publisher of the file's lines, read on new virtual threads as subscribers request them.
     *
     * @param path the file to read; opened at a subscriber's first request, closed at the end, on error and on cancel
     * @param charset how its bytes encode characters
     * @return a cold publisher: each subscriber reads the file from the start
     * @see #publisher(Path, Charset, Executor)
     */
    public static Flow.Publisher<String> publisher(Path path, Charset charset) {
        return publisher(path, charset, task -> Thread.ofVirtual().name("berth-lines").start(task));
    }

    /**
     * A publisher of the file's lines, read on {@code executor} as subscribers request them. Follows the
     * Reactive Streams rules: at most as many {@code onNext} calls as requested, signals never concurrent,
     * {@code request(n)} with {@code n <= 0} fails the subscription with {@link IllegalArgumentException}.
     * A file that cannot be opened or read, or a {@link MalformedLineException}, arrives as {@code onError}.
     *
     * {@snippet :
     * Lines.publisher(path, StandardCharsets.UTF_8, executor).subscribe(new Flow.Subscriber<>() {
     *     Flow.Subscription subscription;
     *     public void onSubscribe(Flow.Subscription s) { subscription = s; s.request(100); }
     *     public void onNext(String line) { process(line); subscription.request(1); }
     *     public void onError(Throwable failure) { log.error("import failed", failure); }
     *     public void onComplete() { log.info("import done"); }
     * });
     * }
     *
     * @param path the file to read; opened at a subscriber's first request, closed at the end, on error and on cancel
     * @param charset how its bytes encode characters
     * @param executor runs the reads and the subscriber's {@code onNext}, {@code onError} and {@code onComplete}
     * @return a cold publisher: each subscriber reads the file from the start
     */
    public static Flow.Publisher<String> publisher(Path path, Charset charset, Executor executor) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(executor, "executor");
        return subscriber -> {
            Objects.requireNonNull(subscriber, "subscriber");
            LineSubscription subscription = new LineSubscription(path, charset, executor, subscriber);
            subscriber.onSubscribe(subscription);
        };
    }
}
