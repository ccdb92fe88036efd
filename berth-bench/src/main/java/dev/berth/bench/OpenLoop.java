package dev.berth.bench;

import dev.berth.pool.PoolOverloadedException;
import dev.berth.pool.PoolTimeoutException;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * One fork of the overload benchmark ({@link OverloadBenchmark}): one pool, one load. Prints one {@code RESULT} line.
 *
 * <p>{@code mode=open}: an open loop. One platform thread releases arrivals at {@code rate} a second at precise times
 * ({@code start + i / rate}; when its park wakes late it releases every arrival that is due at once), each on a
 * virtual thread of its own, so a pool that serves slowly makes callers pile up instead of slowing the arrivals. A
 * caller is useful only if its work ends within {@code deadlineMs} of its scheduled arrival (all times count from the
 * schedule, so the harness's own lateness is charged, never hidden). It acquires with what is left of that budget,
 * holds the connection for the work ({@code select pg_sleep(holdMicros)} on PostgreSQL, a park on the no-op driver)
 * and gives it back; a connection that arrives after the deadline is given back unused. Arrivals scheduled during
 * {@code warmup} are not counted; those scheduled during the next {@code measure} seconds are, and the fork ends when
 * the last of them has finished.
 *
 * <p>{@code mode=capacity}: a closed loop of {@code threads} virtual threads doing the same work on a fair queue of
 * the raw connections ({@link Contender.Queue}, no pool logic at all): the capacity C every load is a multiple of.
 *
 * <pre>
 * java -cp berth-bench.jar dev.berth.bench.OpenLoop mode=open contender=shed target=noop pool=10 rate=9000 \
 *      deadlineMs=200 holdMicros=2000 warmup=3 measure=10
 * </pre>
 */
public final class OpenLoop {
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final OverloadPool pool;
    private final Target target;
    private final long holdNanos;
    private final long deadlineNanos;
    private final LongAdder arrivals = new LongAdder();
    private final LongAdder inTime = new LongAdder();
    private final LongAdder servedLate = new LongAdder();
    private final LongAdder lateConnection = new LongAdder();
    private final LongAdder shed = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder missedStart = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private volatile Throwable firstError;
    /** CPU this JVM used while measured, in cores: near the machine's count, the harness and not the pool is the limit. */
    private double cores = Double.NaN;
    /** Served callers, scheduled arrival to the end of the work. */
    private final Recorder served = new Recorder(3);
    /** Served callers, the acquire call alone. */
    private final Recorder waits = new Recorder(3);
    /** Failed callers (shed, timed out, connection too late): the acquire call until they knew. */
    private final Recorder learnedFailed = new Recorder(3);
    private final Recorder learnedShed = new Recorder(3);
    /** Scheduled arrival to the acquire call: the scheduler's and the virtual thread's start lag. */
    private final Recorder startLag = new Recorder(3);

    private OpenLoop(OverloadPool pool, Target target, long holdNanos, long deadlineNanos) {
        this.pool = pool;
        this.target = target;
        this.holdNanos = holdNanos;
        this.deadlineNanos = deadlineNanos;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Harness.parse(args);
        Target target = Target.of(a.getOrDefault("target", "noop"));
        int size = Integer.parseInt(a.getOrDefault("pool", "10"));
        long holdNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(a.getOrDefault("holdMicros", "2000")));
        Duration warmup = Harness.seconds(a.getOrDefault("warmup", "3"));
        Duration measure = Harness.seconds(a.getOrDefault("measure", "10"));
        StringBuilder line = new StringBuilder("RESULT");
        a.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        if (a.getOrDefault("mode", "open").equals("capacity")) {
            int threads = Integer.parseInt(a.getOrDefault("threads", "100"));
            line.append(String.format(Locale.ROOT, " ops=%.1f", capacity(target, size, threads, holdNanos, warmup, measure)));
        } else {
            double rate = Double.parseDouble(a.get("rate"));
            long deadlineNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(a.getOrDefault("deadlineMs", "200")));
            try (OverloadPool pool = OverloadPool.open(a.getOrDefault("contender", "shed"), target, size)) {
                OpenLoop loop = new OpenLoop(pool, target, holdNanos, deadlineNanos);
                loop.run(rate, warmup.toNanos(), measure.toNanos());
                loop.describe(line);
                String own = pool.ownCounts();
                if (!own.isEmpty()) {
                    System.out.println("#   " + own);
                }
            }
        }
        System.out.println(line);
    }

    // ------------------------------------------------------------------ open loop

    private void run(double rate, long warmupNanos, long measureNanos) {
        double period = 1e9 / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        long measureFrom = start + warmupNanos;
        long until = measureFrom + measureNanos;
        long cpuFrom = -1;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) { // close waits for every caller
            for (long i = 0; ; i++) {
                long at = start + (long) (i * period);
                if (at - until >= 0) {
                    break;
                }
                long now;
                while ((now = System.nanoTime()) - at < 0) {
                    LockSupport.parkNanos(at - now);
                }
                boolean measured = at - measureFrom >= 0;
                if (measured && cpuFrom < 0) {
                    cpuFrom = CPU.getProcessCpuTime();
                }
                callers.execute(() -> call(at, measured));
            }
            cores = (CPU.getProcessCpuTime() - cpuFrom) / (double) measureNanos;
        }
    }

    private void call(long arrival, boolean measured) {
        long deadline = arrival + deadlineNanos;
        long begin = System.nanoTime();
        if (measured) {
            arrivals.increment();
            startLag.recordValue(begin - arrival);
        }
        if (deadline - begin <= 0) {
            count(measured, missedStart); // the machine was too late to even start it: no pool was asked
            return;
        }
        Object handle;
        try {
            handle = pool.acquire(deadline - begin);
        } catch (PoolOverloadedException e) {
            failed(measured, shed, begin);
            if (measured) {
                learnedShed.recordValue(System.nanoTime() - begin);
            }
            return;
        } catch (PoolTimeoutException | SQLTransientConnectionException e) {
            failed(measured, timedOut, begin);
            return;
        } catch (Exception e) {
            error(e);
            return;
        }
        long got = System.nanoTime();
        try {
            if (got - deadline >= 0) {
                failed(measured, lateConnection, begin); // useless now: given back without doing the work
                return;
            }
            work(pool.connection(handle));
        } catch (Exception e) {
            error(e);
            return;
        } finally {
            try {
                pool.release(handle);
            } catch (Exception e) {
                error(e);
            }
        }
        long done = System.nanoTime();
        if (measured) {
            served.recordValue(done - arrival);
            waits.recordValue(got - begin);
            (done - deadline <= 0 ? inTime : servedLate).increment();
        }
    }

    private static void count(boolean measured, LongAdder outcome) {
        if (measured) {
            outcome.increment();
        }
    }

    private void failed(boolean measured, LongAdder outcome, long begin) {
        if (measured) {
            outcome.increment();
            learnedFailed.recordValue(System.nanoTime() - begin);
        }
    }

    private void error(Exception e) {
        errors.increment();
        if (firstError == null) {
            firstError = e;
            System.err.println("first error: " + e);
        }
    }

    private void work(Connection c) throws Exception {
        if (target == Target.NOOP) {
            hold(holdNanos);
            return;
        }
        String seconds = String.format(Locale.ROOT, "%.6f", holdNanos / 1e9);
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_sleep(" + seconds + ")")) {
            if (!rs.next()) {
                throw new IllegalStateException("select pg_sleep returned no row");
            }
        }
    }

    /** Parks at least {@code nanos}, as a caller waiting on I/O (a park may return early). */
    private static void hold(long nanos) {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private void describe(StringBuilder line) {
        line.append(" arrivals=").append(arrivals.sum())
            .append(" inTime=").append(inTime.sum())
            .append(" servedLate=").append(servedLate.sum())
            .append(" lateConnection=").append(lateConnection.sum())
            .append(" shed=").append(shed.sum())
            .append(" timedOut=").append(timedOut.sum())
            .append(" missedStart=").append(missedStart.sum())
            .append(" errors=").append(errors.sum())
            .append(String.format(Locale.ROOT, " cores=%.2f", cores))
            .append(" loadAverage=").append(Machine.loadAverage().isEmpty() ? "-" : Machine.loadAverage())
            .append(" served=").append(Harness.encode(served.getIntervalHistogram()))
            .append(" waits=").append(Harness.encode(waits.getIntervalHistogram()))
            .append(" learnedFailed=").append(Harness.encode(learnedFailed.getIntervalHistogram()))
            .append(" learnedShed=").append(Harness.encode(learnedShed.getIntervalHistogram()))
            .append(" startLag=").append(Harness.encode(startLag.getIntervalHistogram()));
    }

    // ------------------------------------------------------------------ capacity: closed loop, no pool logic

    private static double capacity(Target target, int size, int threads, long holdNanos, Duration warmup, Duration measure)
            throws Exception {
        try (Contender queue = Contender.open("queue", target, size)) {
            OpenLoop worker = new OpenLoop(null, target, holdNanos, 0);
            LongAdder done = new LongAdder();
            long end = System.nanoTime() + warmup.toNanos() + measure.toNanos();
            List<Thread> loops = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                loops.add(Thread.ofVirtual().start(() -> {
                    while (System.nanoTime() - end < 0) {
                        try {
                            Object handle = queue.borrow();
                            try {
                                worker.work(queue.connection(handle));
                            } finally {
                                queue.release(handle);
                            }
                            done.increment();
                        } catch (Exception e) {
                            worker.error(e);
                        }
                    }
                }));
            }
            Thread.sleep(warmup); // the measurement clock, not synchronisation
            long before = done.sum();
            long from = System.nanoTime();
            Thread.sleep(measure);
            double perSecond = (done.sum() - before) * 1e9 / (System.nanoTime() - from);
            for (Thread loop : loops) {
                loop.join();
            }
            if (worker.errors.sum() > 0) {
                throw new IllegalStateException("capacity run failed " + worker.errors.sum() + " times; first: " + worker.firstError,
                        worker.firstError);
            }
            return perSecond;
        }
    }
}
