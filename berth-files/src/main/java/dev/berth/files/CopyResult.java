package dev.berth.files;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a finished {@link FileCopy} did: how many bytes, how long it took, and the checksum when one was asked
 * for.
 *
 * {@snippet :
 * CopyResult result = FileCopy.from(src).to(dst).checksum(Checksum.CRC32C).run();
 * System.out.printf("%d bytes in %s, crc32c %s%n", result.bytes(), result.duration(), result.checksum().orElse("-"));
 * }
 *
 * <p>An immutable value.
 *
 * @param bytes bytes copied
 * @param duration wall time of the copy, from opening the source to the destination being in place
 * @param checksum lower-case hex of the {@link Checksum} chosen with {@link FileCopy#checksum(Checksum)},
 *     empty when none was chosen
 */
public record CopyResult(long bytes, Duration duration, Optional<String> checksum) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative
     * @throws NullPointerException when {@code duration} or {@code checksum} is null
     */
    public CopyResult {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be 0 or more, got " + bytes);
        }
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(checksum, "checksum");
    }

    /**
     * The average throughput of the copy.
     *
     * @return bytes per second, 0 for a copy that took no measurable time
     */
    public double bytesPerSecond() {
        long nanos = duration.toNanos();
        return nanos <= 0 ? 0 : bytes * 1e9 / nanos;
    }
}
