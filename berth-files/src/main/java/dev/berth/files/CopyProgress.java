package dev.berth.files;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * How far a {@link FileCopy} has come, as handed to its progress callback.
 *
 * {@snippet :
 * FileCopy.from(src).to(dst)
 *         .onProgress(p -> log.info("{} of {} bytes, {} MB/s", p.bytesCopied(), p.totalBytes(), p.bytesPerSecond() / 1e6))
 *         .run();
 * }
 *
 * <p>An immutable snapshot: safe to keep and to pass to another thread.
 *
 * @param bytesCopied bytes written to the destination so far
 * @param total the source's size when known (a file, a seekable channel), else empty
 * @param elapsed time since the copy started
 * @param done {@code true} for the one final report after the last byte; the callback always gets it
 *     when the copy succeeds
 */
public record CopyProgress(long bytesCopied, OptionalLong total, Duration elapsed, boolean done) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when {@code bytesCopied} is negative
     * @throws NullPointerException when {@code total} or {@code elapsed} is null
     */
    public CopyProgress {
        if (bytesCopied < 0) {
            throw new IllegalArgumentException("bytesCopied must be 0 or more, got " + bytesCopied);
        }
        Objects.requireNonNull(total, "total");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /**
     * The average rate since the start.
     *
     * @return bytes per second, 0 when no time has passed yet
     */
    public double bytesPerSecond() {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0 : bytesCopied * 1e9 / nanos;
    }

    /**
     * The share of the source copied so far.
     *
     * @return a value from 0 to 1, or empty when the total is unknown; an empty source counts as complete
     */
    public OptionalDouble fraction() {
        if (total.isEmpty()) {
            return OptionalDouble.empty();
        }
        long all = total.getAsLong();
        return OptionalDouble.of(all <= 0 ? 1.0 : Math.min(1.0, (double) bytesCopied / all));
    }

    /**
     * The time left at the average rate so far.
     *
     * @return an estimate, or empty when the total is unknown or nothing has been copied yet
     */
    public Optional<Duration> remaining() {
        double rate = bytesPerSecond();
        if (total.isEmpty() || rate <= 0) {
            return Optional.empty();
        }
        long left = Math.max(0, total.getAsLong() - bytesCopied);
        return Optional.of(Duration.ofNanos((long) (left / rate * 1e9)));
    }
}
