package dev.berth.bench;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The timed harness for what JMH cannot host: many virtual threads sharing one pool. Runs one contender
 * in one JVM (the driver forks one per run, so call sites stay monomorphic), prints one {@code RESULT} line.
 *
 * <p>Every virtual thread loops until stopped; per loop it borrows, optionally holds the connection
 * (parked, as during I/O) or runs {@code SELECT 1}, and releases. The wait for the borrow is recorded in
 * an HdrHistogram (except in {@code overhead}, where even that would be most of the cost); in {@code oversub} so is
 * how long the hold's park really lasted (the JDK's timer wakes late; every contender's holds are measured alike,
 * so the report can tell the machine's share of the waits from the pool's). After a warm-up,
 * {@code repeats} intervals of {@code measure} are counted; throughput is per interval, waits over all.
 *
 * <pre>
 * java -cp berth-bench.jar dev.berth.bench.Harness scenario=oversub contender=berth target=noop \
 *      threads=1000 pool=10 holdMicros=1000 warmup=2 measure=5 repeats=1
 * </pre>
 */
public final class Harness {

    /** Slots of the per-thread counters are this far apart, so counting threads share no cache line. */
    private static final int PAD = 16;

    private final String scenario;
    private final Contender pool;
    private final int threads;
    /** Platform threads instead of virtual ones, as on a servlet container's request pool. */
    private final boolean platform;
    private final long holdNanos;
    private final AtomicLongArray counts;
    private final Recorder waits = new Recorder(3);
    private final Recorder holds = new Recorder(3);
    private final AtomicLong errors = new AtomicLong();
    private volatile Throwable firstError;
    private volatile boolean stop;

    private Harness(String scenario, Contender pool, int threads, long holdNanos, boolean platform) {
        this.platform = platform;
        this.scenario = scenario;
        this.pool = pool;
        this.threads = threads;
        this.holdNanos = holdNanos;
        this.counts = new AtomicLongArray(threads * PAD);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        String scenario = a.getOrDefault("scenario", "overhead");
        String contender = a.getOrDefault("contender", "berth");
        Target target = Target.of(a.getOrDefault("target", "noop"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "1000"));
        boolean platform = Boolean.parseBoolean(a.getOrDefault("platform", "false"));
        int poolSize = Integer.parseInt(a.getOrDefault("pool", "10"));
        long holdNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(a.getOrDefault("holdMicros", "0")));
        Duration warmup = seconds(a.getOrDefault("warmup", "2"));
        Duration measure = seconds(a.getOrDefault("measure", "1"));
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        if (!List.of("overhead", "oversub", "select").contains(scenario)) {
            throw new IllegalArgumentException("scenario is \"" + scenario + "\"; use overhead, oversub or select");
        }

        try (Contender pool = Contender.open(contender, target, poolSize)) {
            Harness harness = new Harness(scenario, pool, threads, holdNanos, platform);
            Run run = harness.run(warmup, measure, repeats);
            StringBuilder line = new StringBuilder("RESULT");
            a.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
            line.append(" ops=");
            for (int i = 0; i < run.opsPerSecond.size(); i++) {
                line.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", run.opsPerSecond.get(i)));
            }
            line.append(" errors=").append(harness.errors.get());
            line.append(" active=").append(run.active);
            line.append(" validations=").append(NoopConnection.VALIDATIONS.sum());
            line.append(" hist=").append(encode(run.waits));
            if (run.holds.getTotalCount() > 0) {
                line.append(" holds=").append(encode(run.holds));
            }
            System.out.println(line);
            Throwable first = harness.firstError;
            if (first != null) {
                System.err.println("first error (of " + harness.errors.get() + "): " + first);
            }
        }
    }

    /** @param active threads that finished at least one loop while measured (virtual threads are not time-sliced) */
    private record Run(List<Double> opsPerSecond, Histogram waits, Histogram holds, int active) { }

    private Run run(Duration warmup, Duration measure, int repeats) throws InterruptedException {
        List<Thread> workers = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            int slot = i * PAD;
            Runnable loop = switch (scenario) {
                case "overhead" -> () -> overhead(slot);
                case "oversub" -> () -> oversubscribed(slot);
                default -> () -> select(slot);
            };
            workers.add(platform ? Thread.ofPlatform().daemon().name("bench-", i).start(loop)
                    : Thread.ofVirtual().name("bench-", i).start(loop));
        }
        Thread.sleep(warmup); // the measurement clock, not synchronisation: workers run freely meanwhile
        waits.getIntervalHistogram();
        holds.getIntervalHistogram();
        Histogram all = new Histogram(3);
        Histogram held = new Histogram(3);
        List<Double> opsPerSecond = new ArrayList<>();
        long[] atStart = perThread();
        long before = total();
        long start = System.nanoTime();
        for (int r = 0; r < repeats; r++) {
            Thread.sleep(measure);
            long after = total();
            long end = System.nanoTime();
            all.add(waits.getIntervalHistogram());
            held.add(holds.getIntervalHistogram());
            opsPerSecond.add((after - before) * 1e9 / (end - start));
            before = after;
            start = end;
        }
        long[] atEnd = perThread();
        int active = 0;
        for (int i = 0; i < threads; i++) {
            active += atEnd[i] > atStart[i] ? 1 : 0;
        }
        stop = true;
        for (Thread worker : workers) {
            if (!worker.join(Duration.ofSeconds(60))) {
                throw new IllegalStateException("worker " + worker + " did not stop within 60 s");
            }
        }
        return new Run(opsPerSecond, all, held, active);
    }

    private long[] perThread() {
        long[] each = new long[threads];
        for (int i = 0; i < threads; i++) {
            each[i] = counts.getOpaque(i * PAD);
        }
        return each;
    }

    private long total() {
        long sum = 0;
        for (int i = 0; i < threads; i++) {
            sum += counts.getOpaque(i * PAD);
        }
        return sum;
    }

    // The three measuring loops below repeat their frame (stop flag, count, error) on purpose: each fork runs one
    // of them, and what a fork measures is exactly the loop it runs, with no call through a shared helper.

    private void overhead(int slot) {
        long n = 0;
        while (!stop) {
            try {
                pool.release(pool.borrow());
                counts.setOpaque(slot, ++n);
            } catch (Exception e) {
                failed(e);
            }
        }
    }

    private void oversubscribed(int slot) {
        long n = 0;
        while (!stop) {
            try {
                long t0 = System.nanoTime();
                Object handle = pool.borrow();
                long waited = System.nanoTime() - t0;
                long parked = System.nanoTime();
                LockSupport.parkNanos(holdNanos);
                long held = System.nanoTime() - parked;
                pool.release(handle);
                waits.recordValue(waited);
                holds.recordValue(held);
                counts.setOpaque(slot, ++n);
            } catch (Exception e) {
                failed(e);
            }
        }
    }

    private void select(int slot) {
        long n = 0;
        while (!stop) {
            try {
                long t0 = System.nanoTime();
                Object handle = pool.borrow();
                long waited = System.nanoTime() - t0;
                try {
                    Connection c = pool.connection(handle);
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                        if (!rs.next() || rs.getInt(1) != 1) {
                            throw new IllegalStateException("SELECT 1 did not return 1");
                        }
                    }
                } finally {
                    pool.release(handle);
                }
                waits.recordValue(waited);
                counts.setOpaque(slot, ++n);
            } catch (Exception e) {
                failed(e);
            }
        }
    }

    private void failed(Exception e) {
        if (errors.getAndIncrement() == 0) {
            firstError = e;
        }
    }

    static String encode(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String text) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalArgumentException("not an encoded histogram: " + e.getMessage(), e);
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> map = new TreeMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("argument \"" + arg + "\" is not key=value");
            }
            map.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return map;
    }

    static Duration seconds(String value) {
        return Duration.ofNanos((long) (Double.parseDouble(value) * 1e9));
    }
}
