package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancels racing with copies at every stage; invariants, not timings. */
class FileCopyStressTest {

    @TempDir
    Path dir;

    @Test
    void cancelRacingCopiesLeavesEitherACompleteFileOrNothingAndNeverAStrayInterrupt() throws Exception {
        byte[] content = FileCopyTest.randomBytes(200_000);
        Path source = Files.write(dir.resolve("source.bin"), content);
        Path targets = Files.createDirectory(dir.resolve("targets"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<CopyResult>> copies = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                // Small chunks and a checksum make many cancellation points; cancel lands anywhere in the copy.
                CompletableFuture<CopyResult> copy = FileCopy.from(source).to(targets.resolve("copy-" + i + ".bin"))
                        .chunkSize(1 + i * 37 % 4096).checksum(Checksum.CRC32C).runAsync(pool);
                if (i % 3 != 0) {
                    copy.cancel(true);
                }
                copies.add(copy);
            }
            int completed = 0;
            for (int i = 0; i < copies.size(); i++) {
                try {
                    assertThat(copies.get(i).get(30, TimeUnit.SECONDS).bytes()).isEqualTo(content.length);
                    completed++;
                } catch (CancellationException cancelled) {
                    // fine: checked below that nothing of it remains once the pool has drained
                } catch (ExecutionException e) {
                    throw new AssertionError("copy " + i + " failed", e);
                }
            }

            // Two probes, one per pool thread, queued after every copy: no interrupt leaks into later tasks.
            List<java.util.concurrent.Future<Boolean>> probes = List.of(
                    pool.submit(() -> Thread.currentThread().isInterrupted()),
                    pool.submit(() -> Thread.currentThread().isInterrupted()));
            for (var probe : probes) {
                assertThat(probe.get(30, TimeUnit.SECONDS)).isFalse();
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            assertThat(completed).isGreaterThanOrEqualTo(100);
            try (var files = Files.list(targets)) {
                List<Path> left = files.toList();
                assertThat(left).noneMatch(p -> p.getFileName().toString().endsWith(".part"));
                for (Path file : left) {
                    assertThat(Files.readAllBytes(file)).as("%s is complete", file).isEqualTo(content);
                }
                for (int i = 0; i < copies.size(); i++) {
                    if (!copies.get(i).isCancelled()) {
                        assertThat(left).as("successful copy %d is in place", i).contains(targets.resolve("copy-" + i + ".bin"));
                    }
                }
                assertThat(left.size()).as("cancels took effect").isLessThan(copies.size());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
