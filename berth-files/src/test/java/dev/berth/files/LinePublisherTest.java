package dev.berth.files;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePublisherTest {

    /** Runs every drain on the calling thread, so a request's effects are complete when it returns. */
    private static final Executor SAME_THREAD = Runnable::run;

    @TempDir
    Path dir;

    /** Records signals; requests only what the test asks for. */
    static final class Recorder implements Flow.Subscriber<String> {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> completed = new CompletableFuture<>();
        volatile Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(String line) {
            lines.add(line);
        }

        @Override
        public void onError(Throwable failure) {
            completed.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            completed.complete(null);
        }
    }

    private Path numbered(int count) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            text.append("line ").append(i).append('\n');
        }
        return Files.writeString(dir.resolve("numbered.txt"), text);
    }

    @Test
    void deliversNoMoreLinesThanRequested() throws Exception {
        Recorder recorder = new Recorder();
        Lines.publisher(numbered(10), UTF_8, SAME_THREAD).subscribe(recorder);
        assertThat(recorder.lines).isEmpty();

        recorder.subscription.request(2);
        assertThat(recorder.lines).containsExactly("line 1", "line 2");

        recorder.subscription.request(3);
        assertThat(recorder.lines).hasSize(5).endsWith("line 5");
        assertThat(recorder.completed).isNotDone();
    }

    @Test
    void completesAfterTheLastLine() throws Exception {
        Recorder recorder = new Recorder();
        Lines.publisher(numbered(3), UTF_8, SAME_THREAD).subscribe(recorder);

        recorder.subscription.request(Long.MAX_VALUE);

        assertThat(recorder.lines).containsExactly("line 1", "line 2", "line 3");
        assertThat(recorder.completed).isCompleted();
    }

    @Test
    void readsOnVirtualThreadsByDefault() throws Exception {
        Recorder recorder = new Recorder();
        Lines.publisher(numbered(5_000), UTF_8).subscribe(recorder);

        recorder.subscription.request(Long.MAX_VALUE);

        recorder.completed.get(10, TimeUnit.SECONDS);
        assertThat(recorder.lines).hasSize(5_000).startsWith("line 1").endsWith("line 5000");
    }

    @Test
    void malformedInputArrivesAsOnErrorAfterTheGoodLines() throws Exception {
        Path file = Files.write(dir.resolve("bad.txt"), new byte[] {'o', 'k', '\n', (byte) 0xFF, '\n'});
        Recorder recorder = new Recorder();
        Lines.publisher(file, UTF_8, SAME_THREAD).subscribe(recorder);

        recorder.subscription.request(10);

        assertThat(recorder.lines).containsExactly("ok");
        assertThat(recorder.completed).isCompletedExceptionally();
        assertThat(recorder.completed.exceptionNow())
                .isInstanceOfSatisfying(MalformedLineException.class, e -> assertThat(e.lineNumber()).isEqualTo(2));
    }

    @Test
    void missingFileArrivesAsOnErrorAtTheFirstRequest() {
        Recorder recorder = new Recorder();
        Lines.publisher(dir.resolve("missing.txt"), UTF_8, SAME_THREAD).subscribe(recorder);
        assertThat(recorder.completed).isNotDone();

        recorder.subscription.request(1);

        assertThat(recorder.completed.exceptionNow()).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void cancelStopsDeliveryForGood() throws Exception {
        Recorder recorder = new Recorder();
        Lines.publisher(numbered(10), UTF_8, SAME_THREAD).subscribe(recorder);
        recorder.subscription.request(1);

        recorder.subscription.cancel();
        recorder.subscription.request(5);

        assertThat(recorder.lines).containsExactly("line 1");
        assertThat(recorder.completed).isNotDone();
    }

    @Test
    void nonPositiveRequestFailsTheSubscription() throws Exception {
        Recorder recorder = new Recorder();
        Lines.publisher(numbered(3), UTF_8, SAME_THREAD).subscribe(recorder);

        recorder.subscription.request(0);

        assertThat(recorder.completed.exceptionNow())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule 3.9");
    }

    @Test
    void requestFromInsideOnNextDoesNotRecurse() throws Exception {
        // A subscriber that asks for one more line from onNext: with a same-thread executor this would
        // overflow the stack if each request started its own drain.
        Path file = numbered(20_000);
        CompletableFuture<Integer> count = new CompletableFuture<>();
        Lines.publisher(file, UTF_8, SAME_THREAD).subscribe(new Flow.Subscriber<>() {
            Flow.Subscription s;
            int seen;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                s = subscription;
                s.request(1);
            }

            @Override
            public void onNext(String item) {
                seen++;
                s.request(1);
            }

            @Override
            public void onError(Throwable throwable) {
                count.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                count.complete(seen);
            }
        });

        assertThat(count.get(10, TimeUnit.SECONDS)).isEqualTo(20_000);
    }

    @Test
    void concurrentRequestsFromManyThreadsDeliverEveryLineOnceInOrderNeverConcurrently() throws Exception {
        int total = 50_000;
        Path file = numbered(total);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
        List<String> lines = new java.util.ArrayList<>();
        CompletableFuture<Void> completed = new CompletableFuture<>();
        CompletableFuture<Flow.Subscription> subscribed = new CompletableFuture<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            Lines.publisher(file, UTF_8, pool).subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscribed.complete(subscription);
                }

                @Override
                public void onNext(String line) {
                    if (inFlight.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    lines.add(line); // unsynchronised on purpose: the publisher must serialise signals
                    inFlight.decrementAndGet();
                }

                @Override
                public void onError(Throwable failure) {
                    completed.completeExceptionally(failure);
                }

                @Override
                public void onComplete() {
                    completed.complete(null);
                }
            });
            Flow.Subscription subscription = subscribed.get(10, TimeUnit.SECONDS);
            List<Thread> requesters = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                requesters.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < total / 8 + 1; i++) {
                        subscription.request(1);
                    }
                }));
            }
            for (Thread requester : requesters) {
                requester.join();
            }

            completed.get(20, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        assertThat(overlaps).hasValue(0);
        assertThat(lines).hasSize(total);
        for (int i = 0; i < total; i += 997) {
            assertThat(lines.get(i)).isEqualTo("line " + (i + 1));
        }
    }
}
