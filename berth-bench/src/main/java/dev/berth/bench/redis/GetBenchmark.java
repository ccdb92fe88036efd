package dev.berth.bench.redis;

import dev.berth.pool.PoolConfig;
import dev.berth.redis.RedisPool;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * GET of a 16-byte value from 1, 16, 256 and 4,096 virtual threads, side by side in one run: berth's
 * auto-pipelining client, Jedis with its own pool (commons-pool2, with a maxWait so it cannot hang), and Lettuce
 * on one shared connection; plain Jedis on one connection as the single-thread reference. Prints a markdown
 * table. Run by bin/bench-redis against a private redis-server.
 *
 * <p>Usage: {@code GetBenchmark <port> [seconds per cell] [warm-up seconds]}
 */
public final class GetBenchmark {
    private static final String KEY = "bench:get16";
    private static final String VALUE = "0123456789abcdef";
    private static final int[] THREADS = {1, 16, 256, 4096};
    private static final int POOL_SIZE = 8;

    @FunctionalInterface
    interface Get {
        String get();
    }

    record Cell(String client, int threads, double opsPerSecond, long errors) {
    }

    @SuppressWarnings("deprecation") // JedisPool is deprecated in Jedis 8 but is still "Jedis's own pool", the peer measured here
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        double warmup = args.length > 2 ? Double.parseDouble(args[2]) : 1;
        String url = "redis://127.0.0.1:" + port + "/0";
        try (Jedis setup = new Jedis("127.0.0.1", port)) {
            setup.set(KEY, VALUE);
        }
        List<Cell> cells = new ArrayList<>();

        String alternating;
        try (Jedis plain = new Jedis("127.0.0.1", port);
             RedisPool berth = RedisPool.builder(url).pool(PoolConfig.builder().name("bench").maxSize(POOL_SIZE).build())
                     .autoPipelining(2).build()) {
            cells.add(run("plain Jedis, 1 connection", 1, seconds, warmup, () -> plain.get(KEY)));
            for (int t : THREADS) {
                cells.add(run("berth auto-pipelining", t, seconds, warmup, () -> berth.client().get(KEY)));
            }
            alternating = alternate(() -> plain.get(KEY), () -> berth.client().get(KEY), 10, seconds / 5);
        }
        GenericObjectPoolConfig<Jedis> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(POOL_SIZE);
        config.setMaxIdle(POOL_SIZE);
        config.setMaxWait(Duration.ofSeconds(2));
        try (JedisPool jedisPool = new JedisPool(config, "127.0.0.1", port)) {
            for (int t : THREADS) {
                cells.add(run("Jedis + JedisPool (maxTotal " + POOL_SIZE + ", maxWait 2 s)", t, seconds, warmup, () -> {
                    try (Jedis j = jedisPool.getResource()) {
                        return j.get(KEY);
                    }
                }));
            }
        }
        io.lettuce.core.RedisClient lettuce = io.lettuce.core.RedisClient.create(url);
        try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            for (int t : THREADS) {
                cells.add(run("Lettuce, 1 shared connection", t, seconds, warmup, () -> sync.get(KEY)));
            }
        } finally {
            lettuce.shutdown();
        }
        print(cells);
        System.out.println();
        System.out.println(alternating);
    }

    /**
     * One thread, plain Jedis and berth in alternating slices, so that the noise of a shared machine hits both
     * alike; reports the median of each and their ratio.
     */
    private static String alternate(Get plain, Get berth, int rounds, double slice) throws Exception {
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            LongAdder ops = new LongAdder();
            a[i] = ops(measure(1, slice, plain, ops, new LongAdder()), ops);
            LongAdder ops2 = new LongAdder();
            b[i] = ops(measure(1, slice, berth, ops2, new LongAdder()), ops2);
        }
        java.util.Arrays.sort(a);
        java.util.Arrays.sort(b);
        double ma = (a[rounds / 2 - 1] + a[rounds / 2]) / 2;
        double mb = (b[rounds / 2 - 1] + b[rounds / 2]) / 2;
        return String.format(Locale.ROOT, "1 thread, %d alternating slices of %.1f s each: plain Jedis median %,.0f GET/s, "
                + "berth auto-pipelining median %,.0f GET/s; berth ÷ plain = %.2f", rounds, slice, ma, mb, mb / ma);
    }

    private static double ops(long nanos, LongAdder ops) {
        return ops.sum() * 1e9 / nanos;
    }

    private static Cell run(String client, int threads, double seconds, double warmup, Get get) throws Exception {
        measure(threads, warmup, get, new LongAdder(), new LongAdder());
        LongAdder ops = new LongAdder();
        LongAdder errors = new LongAdder();
        long elapsed = measure(threads, seconds, get, ops, errors);
        Cell cell = new Cell(client, threads, ops.sum() * 1e9 / elapsed, errors.sum());
        System.err.printf(Locale.ROOT, "%-50s %5d threads %12.0f ops/s %d errors%n", client, threads, cell.opsPerSecond, cell.errors);
        return cell;
    }

    /** Runs {@code threads} virtual threads calling {@code get} until the time is up; returns the nanoseconds measured. */
    private static long measure(int threads, double seconds, Get get, LongAdder ops, LongAdder errors) throws Exception {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = new long[1];
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                running.add(executor.submit(() -> {
                    ready.countDown();
                    go.await();
                    long end = deadline[0];
                    long n = 0;
                    while (System.nanoTime() < end) {
                        try {
                            if (get.get() == null) {
                                throw new IllegalStateException("GET returned nothing");
                            }
                            n++;
                        } catch (RuntimeException e) {
                            errors.increment();
                        }
                    }
                    ops.add(n);
                    return null;
                }));
            }
            ready.await();
            long start = System.nanoTime();
            deadline[0] = start + (long) (seconds * 1e9);
            go.countDown();
            for (Future<?> f : running) {
                f.get();
            }
            return System.nanoTime() - start;
        }
    }

    private static void print(List<Cell> cells) {
        System.out.println("| client | threads | GET/s | errors | berth ÷ this |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (Cell c : cells) {
            double berth = cells.stream().filter(b -> b.client.startsWith("berth") && b.threads == c.threads)
                    .mapToDouble(Cell::opsPerSecond).findFirst().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "| %s | %,d | %,.0f | %,d | %.2f |%n", c.client, c.threads, c.opsPerSecond, c.errors,
                    berth / c.opsPerSecond);
        }
    }
}
