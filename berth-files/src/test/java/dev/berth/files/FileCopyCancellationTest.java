package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interrupts and cancels stop a copy between chunks and leave the destination untouched. */
class FileCopyCancellationTest {

    @TempDir
    Path dir;

    /** Endless zeros; on its third read it signals {@code reached} and waits for {@code proceed}. */
    static InputStream pausingSource(CountDownLatch reached, CountDownLatch proceed) {
        return new InputStream() {
            private int reads;

            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                if (++reads == 3) {
                    reached.countDown();
                    try {
                        proceed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("source read interrupted");
                    }
                }
                return length;
            }
        };
    }

    @Test
    void interruptedBlockingCopyThrowsKeepsTheInterruptAndLeavesNothing() throws IOException {
        Path source = Files.write(dir.resolve("source.bin"), FileCopyTest.randomBytes(1_000_000));
        Path destination = dir.resolve("copy.bin");

        assertThatThrownBy(() -> FileCopy.from(source).to(destination).chunkSize(10_000)
                .onProgress(p -> Thread.currentThread().interrupt(), Duration.ZERO).run())
                .isInstanceOf(InterruptedIOException.class)
                .hasMessageContaining("interrupted after 10000 bytes")
                .hasMessageContaining("left untouched");

        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(source);
        }
    }

    @Test
    void cancellingTheFutureStopsTheCopyAndDeletesThePartialFile() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CompletableFuture<CopyResult> copy = FileCopy.from(pausingSource(reached, proceed))
                .to(dir.resolve("endless.bin")).chunkSize(4096).runAsync();
        assertThat(reached.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(copy.cancel(true)).isTrue();
        proceed.countDown();

        assertThatThrownBy(copy::join).isInstanceOf(CancellationException.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var entries = Files.list(dir)) {
                assertThat(entries).isEmpty();
            }
        });
    }

    @Test
    void cancelStopsACopyEvenWhenTheSourceSwallowsTheInterrupt() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        InputStream stubborn = new InputStream() {
            private int reads;

            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) {
                if (++reads == 3) {
                    reached.countDown();
                    boolean done = false;
                    while (!done) {
                        try {
                            proceed.await();
                            done = true;
                        } catch (InterruptedException swallowed) {
                            // a badly behaved source: forgets the interrupt and carries on
                        }
                    }
                }
                return length;
            }
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<CopyResult> copy = FileCopy.from(stubborn).to(dir.resolve("endless.bin")).runAsync(pool);
            assertThat(reached.await(10, TimeUnit.SECONDS)).isTrue();

            copy.cancel(true);
            proceed.countDown();

            // The pool's next task runs only after the copy stopped, and must not inherit its interrupt.
            boolean interruptedLater = pool.submit(() -> Thread.currentThread().isInterrupted()).get(10, TimeUnit.SECONDS);
            assertThat(interruptedLater).isFalse();
            try (var entries = Files.list(dir)) {
                assertThat(entries).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
