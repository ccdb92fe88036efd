package dev.berth.scope;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A scope that times its body: {@code enter} reads the clock, {@code exit} computes the elapsed time and
 * hands a {@link Timing} (name, duration, whether the body failed) to a listener. It never suppresses a
 * failure; a listener that throws makes {@code exit} fail (attached as suppressed when the body failed).
 *
 * {@snippet :
 * Stopwatch watch = new Stopwatch("lookup", timing -> histogram.record(timing.elapsed()));
 * String answer = Scopes.using(watch, w -> lookup(key));
 *
 * // logs "nightly cleanup took 12.3 ms" at INFO
 * Scopes.run(Stopwatch.logging("nightly cleanup"), w -> cleanup());
 * }
 *
 * <p>For asynchronous code, {@code Scopes.async(watch, Runnable::run)} gives the same stopwatch as an
 * {@link AsyncScope}; it then times until the body's stage completes.
 *
 * <p><b>Concurrency.</b> {@link #elapsed()} may be read from any thread at any time (a dashboard showing a
 * running operation, say). {@code enter} and {@code exit} are for one owner at a time; entering again
 * after {@code exit} starts a new measurement. Time comes from {@link System#nanoTime()}.
 */
public final class Stopwatch implements Scope<Stopwatch> {

    /**
     * What a stopwatch measured, handed to its listener on exit.
     *
     * @param name the stopwatch's name
     * @param elapsed the time from {@code enter} to {@code exit}
     * @param failed whether the body failed
     */
    public record Timing(String name, Duration elapsed, boolean failed) {

        /**
         * Checks the components.
         *
         * @param name the stopwatch's name
         * @param elapsed the time from {@code enter} to {@code exit}
         * @param failed whether the body failed
         */
        public Timing {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(elapsed, "elapsed");
        }

        /**
         * Describes the timing for a log line.
         *
         * @return {@code "<name> took 12.3 ms"}, or {@code "<name> failed after 12.3 ms"}; seconds from
         *     one second up ({@code "4.20 s"})
         */
        @Override
        public String toString() {
            return name + (failed ? " failed after " : " took ") + format(elapsed);
        }

        private static String format(Duration elapsed) {
            long nanos = elapsed.toNanos();
            return nanos < 1_000_000_000L
                    ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6)
                    : String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
        }
    }

    /** One measurement; replaced as a whole so readers on other threads never see half of it. */
    private record Lap(long startNanos, long stopNanos, boolean running) {}

    private final String name;
    private final Consumer<? super Timing> listener;
    private final LongSupplier nanoClock;
    private volatile Lap lap;

    /**
     * Creates a stopwatch reporting to {@code listener}.
     *
     * @param name what is timed, as it should appear in logs and metrics
     * @param listener receives the timing on every {@code exit}, on the exiting thread
     */
    public Stopwatch(String name, Consumer<? super Timing> listener) {
        this(name, listener, System::nanoTime);
    }

    /** For tests: reads time from {@code nanoClock} instead of {@link System#nanoTime()}. */
    Stopwatch(String name, Consumer<? super Timing> listener, LongSupplier nanoClock) {
        this.name = Objects.requireNonNull(name, "name");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * A stopwatch logging every timing at {@link Level#INFO} to the {@link System.Logger} named
     * {@code dev.berth.scope.Stopwatch}: {@code "<name> took 12.3 ms"}.
     *
     * {@snippet :
     * Scopes.run(Stopwatch.logging("reindex"), w -> reindex());
     * }
     *
     * @param name what is timed
     * @return a new stopwatch
     */
    public static Stopwatch logging(String name) {
        return logging(name, System.getLogger(Stopwatch.class.getName()));
    }

    /**
     * A stopwatch logging every timing at {@link Level#INFO} to {@code logger}.
     *
     * @param name what is timed
     * @param logger where to log
     * @return a new stopwatch
     */
    public static Stopwatch logging(String name, System.Logger logger) {
        Objects.requireNonNull(logger, "logger");
        return new Stopwatch(name, timing -> logger.log(Level.INFO, timing::toString));
    }

    /**
     * Starts a measurement.
     *
     * @return this stopwatch
     */
    @Override
    public Stopwatch enter() {
        lap = new Lap(nanoClock.getAsLong(), 0, true);
        return this;
    }

    /**
     * Stops the measurement and hands the {@link Timing} to the listener.
     *
     * @param failure what the body failed with, or {@code null}
     * @return {@code false}: a stopwatch never suppresses a failure
     * @throws IllegalStateException when the stopwatch is not running
     */
    @Override
    public boolean exit(Throwable failure) {
        Lap running = lap;
        if (running == null || !running.running()) {
            throw new IllegalStateException("Stopwatch '" + name + "' was exited while not running;"
                    + " enter it first, for example through Scopes.using(stopwatch, body).");
        }
        Lap stopped = new Lap(running.startNanos(), nanoClock.getAsLong(), false);
        lap = stopped;
        listener.accept(new Timing(name, elapsed(stopped), failure != null));
        return false;
    }

    /**
     * The time measured so far: growing while the body runs, fixed after {@code exit}.
     *
     * @return the elapsed time, {@link Duration#ZERO} before the first {@code enter}
     */
    public Duration elapsed() {
        Lap current = lap;
        return current == null ? Duration.ZERO : elapsed(current);
    }

    /**
     * What is timed.
     *
     * @return the name given at construction
     */
    public String name() {
        return name;
    }

    private Duration elapsed(Lap current) {
        long stop = current.running() ? nanoClock.getAsLong() : current.stopNanos();
        return Duration.ofNanos(stop - current.startNanos());
    }

    @Override
    public String toString() {
        return "Stopwatch[" + name + ", " + Timing.format(elapsed()) + "]";
    }
}
