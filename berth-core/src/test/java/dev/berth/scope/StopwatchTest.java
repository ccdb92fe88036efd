package dev.berth.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StopwatchTest {

    /** A clock the test moves by hand. */
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final List<Stopwatch.Timing> timings = new CopyOnWriteArrayList<>();
    private final Stopwatch watch = new Stopwatch("lookup", timings::add, nanos::get);

    @Test
    void handsTheElapsedTimeToTheListenerOnExit() throws Exception {
        Scopes.run(watch, w -> nanos.addAndGet(12_300_000));

        assertThat(timings).containsExactly(new Stopwatch.Timing("lookup", Duration.ofNanos(12_300_000), false));
    }

    @Test
    void elapsedGrowsWhileRunningAndIsFixedAfterExit() throws Exception {
        Scopes.run(watch, w -> {
            nanos.addAndGet(5);
            assertThat(w.elapsed()).isEqualTo(Duration.ofNanos(5));
            nanos.addAndGet(5);
            assertThat(w.elapsed()).isEqualTo(Duration.ofNanos(10));
        });
        nanos.addAndGet(1_000);

        assertThat(watch.elapsed()).isEqualTo(Duration.ofNanos(10));
    }

    @Test
    void elapsedIsZeroBeforeTheFirstEnter() {
        nanos.addAndGet(1_000);

        assertThat(watch.elapsed()).isEqualTo(Duration.ZERO);
    }

    @Test
    void enteringAgainStartsANewMeasurement() throws Exception {
        Scopes.run(watch, w -> nanos.addAndGet(100));
        Scopes.run(watch, w -> nanos.addAndGet(7));

        assertThat(timings).extracting(Stopwatch.Timing::elapsed)
                .containsExactly(Duration.ofNanos(100), Duration.ofNanos(7));
    }

    @Test
    void reportsAFailedBodyButNeverSuppressesItsFailure() {
        IOException failure = new IOException("lookup failed");

        assertThatThrownBy(() -> Scopes.run(watch, w -> {
            nanos.addAndGet(3_000_000);
            throw failure;
        })).isSameAs(failure);
        assertThat(timings).singleElement().satisfies(timing -> {
            assertThat(timing.failed()).isTrue();
            assertThat(timing.elapsed()).isEqualTo(Duration.ofMillis(3));
        });
    }

    @Test
    void exitWithoutEnterFailsWithAClearMessage() {
        assertThatThrownBy(() -> watch.exit(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Stopwatch 'lookup' was exited while not running");
    }

    @Test
    void timingReadsAsALogLine() {
        assertThat(new Stopwatch.Timing("lookup", Duration.ofNanos(12_345_678), false))
                .hasToString("lookup took 12.3 ms");
        assertThat(new Stopwatch.Timing("export", Duration.ofMillis(4_200), true))
                .hasToString("export failed after 4.20 s");
    }

    @Test
    void loggingStopwatchLogsTheTimingAtInfo() throws Exception {
        RecordingLogger logger = new RecordingLogger();
        Stopwatch logging = Stopwatch.logging("nightly cleanup", logger);

        Scopes.run(logging, w -> {});

        assertThat(logger.lines).singleElement().satisfies(line -> {
            assertThat(line).startsWith("INFO nightly cleanup took ");
            assertThat(line).endsWith(" ms");
        });
    }

    @Test
    void worksAsAnAsyncScopeThroughADirectExecutor() {
        CompletableFuture<String> body = new CompletableFuture<>();
        CompletableFuture<String> result = Scopes.usingAsync(Scopes.async(watch, Runnable::run), w -> body);

        nanos.addAndGet(42);
        body.complete("fetched");

        assertThat(result).isCompletedWithValue("fetched");
        assertThat(timings).extracting(Stopwatch.Timing::elapsed).containsExactly(Duration.ofNanos(42));
    }

    /** Keeps every loggable line as "LEVEL message". */
    private static final class RecordingLogger implements System.Logger {

        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, Supplier<String> message) {
            lines.add(level + " " + message.get());
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(level + " " + message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }
    }
}
