package dev.berth.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The floor under group (2): what a perfect pool would give with the holds this machine really delivers. No pool
 * at all: {@code pool} virtual threads each park {@code holdMicros} in a loop (the holders), and every completion
 * time is kept. In a strictly FIFO queue with a free hand-off, a caller that queues at one completion is served
 * {@code threads - pool} completions later, so the spans between completion {@code i} and completion
 * {@code i + threads - pool} are the waits of such a pool. Printed as group (2) prints them: throughput, p50 / p99 /
 * p99.9 / max, and each over the fair ideal ({@code (threads - pool) / throughput}). Whatever the JDK's timer or
 * the machine adds shows here, with no pool to blame. {@link BenchMain} runs it beside the pools in group (2) and
 * reports it as the row {@code floor}; it also prints a {@code RESULT} line like {@link Harness}'s.
 *
 * <pre>
 * java -cp berth-bench.jar dev.berth.bench.TimerFloor threads=1000 pool=10 holdMicros=100 warmup=8 measure=4 repeats=3
 * </pre>
 */
public final class TimerFloor {
    private TimerFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> a = Harness.parse(args);
        int threads = Integer.parseInt(a.getOrDefault("threads", "1000"));
        int pool = Integer.parseInt(a.getOrDefault("pool", "10"));
        long holdNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(a.getOrDefault("holdMicros", "100")));
        long warmup = Harness.seconds(a.getOrDefault("warmup", "8")).toNanos();
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        long interval = Harness.seconds(a.getOrDefault("measure", "4")).toNanos();
        long measure = interval * repeats;
        if (threads <= pool || pool <= 0) {
            throw new IllegalArgumentException("threads=" + threads + " pool=" + pool + "; need threads > pool > 0");
        }
        long[] done = new long[(int) Math.min(Integer.MAX_VALUE - 8, 4 * pool * (measure / holdNanos + 1))];
        AtomicInteger count = new AtomicInteger();
        Recorder parks = new Recorder(3);
        long from = System.nanoTime() + warmup;
        long until = from + measure;
        List<Thread> holders = new ArrayList<>(pool);
        for (int i = 0; i < pool; i++) {
            holders.add(Thread.ofVirtual().name("holder-", i).start(() -> {
                long now;
                while ((now = System.nanoTime()) - until < 0) {
                    LockSupport.parkNanos(holdNanos);
                    long woke = System.nanoTime();
                    if (woke - from >= 0 && woke - until < 0) {
                        parks.recordValue(woke - now);
                        int slot = count.getAndIncrement();
                        if (slot < done.length) {
                            done[slot] = woke;
                        }
                    }
                }
            }));
        }
        for (Thread holder : holders) {
            holder.join(Duration.ofNanos(warmup + measure).plusSeconds(60));
        }
        int n = Math.min(count.get(), done.length);
        int ahead = threads - pool;
        if (n <= ahead) {
            throw new IllegalStateException(n + " completions measured, fewer than the " + ahead + " a wait spans");
        }
        long[] times = Arrays.copyOf(done, n);
        Arrays.sort(times);
        long[] waits = new long[n - ahead];
        Histogram hist = new Histogram(3);
        for (int i = 0; i < waits.length; i++) {
            waits[i] = times[i + ahead] - times[i];
            hist.recordValue(waits[i]);
        }
        Arrays.sort(waits);
        StringBuilder ops = new StringBuilder();
        for (int r = 0, i = 0; r < repeats; r++) {
            long end = from + (r + 1) * interval;
            int first = i;
            while (i < n && times[i] - end < 0) {
                i++;
            }
            ops.append(r == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", (i - first) / (interval / 1e9)));
        }
        double perSecond = n / (measure / 1e9);
        double idealMs = ahead / perSecond * 1e3;
        System.out.printf(Locale.ROOT, "floor threads=%d pool=%d holdMicros=%d: %.1fk ops/s (mean hold %.0f us); "
                        + "waits ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f; fair ideal %.2f ms; p99.9 / ideal %.2fx, "
                        + "max / ideal %.2fx%n",
                threads, pool, TimeUnit.NANOSECONDS.toMicros(holdNanos), perSecond / 1e3, pool / perSecond * 1e6,
                ms(at(waits, 50)), ms(at(waits, 99)), ms(at(waits, 99.9)), ms(waits[waits.length - 1]), idealMs,
                ms(at(waits, 99.9)) / idealMs, ms(waits[waits.length - 1]) / idealMs);
        StringBuilder line = new StringBuilder("RESULT");
        a.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        line.append(" ops=").append(ops).append(" errors=0 active=").append(pool).append(" validations=0")
                .append(" hist=").append(Harness.encode(hist)).append(" holds=").append(Harness.encode(parks.getIntervalHistogram()));
        System.out.println(line);
    }

    private static long at(long[] sorted, double percentile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
