package dev.berth.bench.transfers;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.berth.jdbc.BerthDataSource;
import dev.berth.jdbc.testing.Accounts;
import dev.berth.jdbc.tx.Database;
import dev.berth.jdbc.tx.Isolation;
import dev.berth.jdbc.tx.RetryPolicy;
import dev.berth.jdbc.tx.TransactionOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Transfer throughput under contention: random transfers between a few accounts under SERIALIZABLE, many
 * workers, with retry of serialization failures. Four contestants run the same SQL, one after another, in
 * rounds (so that the shared machine's mood is spread over all of them):
 * <ul>
 *   <li><b>berth</b>: {@code db.transaction(serializable, tx -> transfer(...))} on a {@link BerthDataSource}
 *       (berth sends {@code SET TRANSACTION ISOLATION LEVEL SERIALIZABLE} at the start of each transaction);</li>
 *   <li><b>berth-tuned</b>: the same call on a {@link BerthDataSource} configured with
 *       {@code transactionIsolation=TRANSACTION_SERIALIZABLE}: berth knows the session's level and skips the SET;</li>
 *   <li><b>hikari-typical</b>: HikariCP 7.1 with the retry loop people write by hand:
 *       {@code setAutoCommit(false)}, {@code setTransactionIsolation(SERIALIZABLE)}, work, commit; on 40001/40P01
 *       roll back, back off, again;</li>
 *   <li><b>hikari-tuned</b>: the same loop with autocommit off and SERIALIZABLE set once in the pool's
 *       configuration (the fastest honest setup of HikariCP).</li>
 * </ul>
 * All use the same backoff (full jitter, 5 ms doubling to 500 ms, 10 attempts) and the same pool size.
 * Before each run the balances are reset; after it the total is checked.
 *
 * <p>Usage: {@code bin/bench-transfers [seconds per run] [rounds] [workers] [pool size] [accounts]}
 * (defaults 10, 2, 32, 16, 50); {@code BENCH_JDBC_URL} overrides the server
 * ({@code jdbc:postgresql://127.0.0.1:5432/test}, user postgres).
 */
public final class TransferBenchmark {

    private static final long OPENING = 1_000;
    private static final int MAX_ATTEMPTS = 10;
    private static final RetryPolicy POLICY = RetryPolicy.defaults().maxAttempts(MAX_ATTEMPTS)
            .backoff(Duration.ofMillis(5), Duration.ofMillis(500));

    private final String url;
    private final String table = "berth_bench_transfers_" + UUID.randomUUID().toString().substring(0, 8);
    private final Accounts bank = new Accounts(table);
    private final int workers;
    private final int poolSize;
    private final int accounts;

    private TransferBenchmark(String url, int workers, int poolSize, int accounts) {
        this.url = url;
        this.workers = workers;
        this.poolSize = poolSize;
        this.accounts = accounts;
    }

    /** One transfer call: returns whether money moved; throws when it gave up. */
    @FunctionalInterface
    interface Transfer {
        boolean run(int from, int to, long amount, LongAdder retries) throws Exception;
    }

    record Result(String name, double seconds, long calls, long retries, long failed, long p50Micros, long p99Micros) {
        double perSecond() {
            return calls / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int pool = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int accounts = args.length > 4 ? Integer.parseInt(args[4]) : 50;
        String url = System.getenv().getOrDefault("BENCH_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test");
        new TransferBenchmark(url, workers, pool, accounts).run(Duration.ofSeconds(seconds), rounds);
    }

    private void run(Duration length, int rounds) throws Exception {
        System.out.printf(Locale.ROOT, "transfer benchmark: %d workers (virtual threads), pool %d, %d accounts, SERIALIZABLE, %d s per run, %d rounds%n",
                workers, poolSize, accounts, length.toSeconds(), rounds);
        execute("create table " + table + " (id int primary key, balance bigint not null)");
        BerthDataSource berthSource = BerthDataSource.builder().jdbcUrl(url).username("postgres")
                .poolName("bench-berth").maximumPoolSize(poolSize).build();
        BerthDataSource berthTunedSource = BerthDataSource.builder().jdbcUrl(url).username("postgres")
                .poolName("bench-berth-tuned").maximumPoolSize(poolSize).transactionIsolation("TRANSACTION_SERIALIZABLE").build();
        HikariDataSource typical = hikari("bench-hikari-typical", false);
        HikariDataSource tuned = hikari("bench-hikari-tuned", true);
        try (Database db = Database.of(berthSource); Database tunedDb = Database.of(berthTunedSource)) {
            TransactionOptions serializable = TransactionOptions.defaults().isolation(Isolation.SERIALIZABLE).retry(POLICY);
            Transfer berth = (from, to, amount, retries) -> {
                int[] attempt = {1};
                try {
                    return db.transaction(serializable, tx -> {
                        attempt[0] = tx.attempt();
                        return bank.transfer(tx.connection(), from, to, amount);
                    });
                } finally {
                    retries.add(attempt[0] - 1);
                }
            };
            Transfer berthTuned = (from, to, amount, retries) -> {
                int[] attempt = {1};
                try {
                    return tunedDb.transaction(serializable, tx -> {
                        attempt[0] = tx.attempt();
                        return bank.transfer(tx.connection(), from, to, amount);
                    });
                } finally {
                    retries.add(attempt[0] - 1);
                }
            };
            Transfer handTypical = (from, to, amount, retries) -> handWritten(typical, false, from, to, amount, retries);
            Transfer handTuned = (from, to, amount, retries) -> handWritten(tuned, true, from, to, amount, retries);
            List<String> names = List.of("berth", "berth-tuned", "hikari-typical", "hikari-tuned");
            List<Transfer> contestants = List.of(berth, berthTuned, handTypical, handTuned);
            for (int i = 0; i < contestants.size(); i++) {   // warm-up, not recorded
                measure(names.get(i), contestants.get(i), Duration.ofSeconds(3));
            }
            List<List<Result>> results = new ArrayList<>();
            for (int i = 0; i < contestants.size(); i++) {
                results.add(new ArrayList<>());
            }
            for (int round = 1; round <= rounds; round++) {
                for (int i = 0; i < contestants.size(); i++) {
                    Result r = measure(names.get(i), contestants.get(i), length);
                    results.get(i).add(r);
                    System.out.printf(Locale.ROOT, "round %d %-15s %8.0f transfers/s  retries %6d (%.2f per transfer)  gave up %d  p50 %d us  p99 %d us%n",
                            round, r.name(), r.perSecond(), r.retries(), (double) r.retries() / Math.max(1, r.calls()), r.failed(),
                            r.p50Micros(), r.p99Micros());
                }
            }
            System.out.println();
            System.out.println("| contestant | transfers/s (mean of rounds) | retries per transfer | gave up | p50 | p99 | vs berth |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|");
            double berthRate = mean(results.getFirst());
            for (List<Result> list : results) {
                double rate = mean(list);
                long calls = list.stream().mapToLong(Result::calls).sum();
                long retries = list.stream().mapToLong(Result::retries).sum();
                long failed = list.stream().mapToLong(Result::failed).sum();
                System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %d | %d us | %d us | %.2fx |%n", list.getFirst().name(), rate,
                        (double) retries / Math.max(1, calls), failed,
                        list.stream().mapToLong(Result::p50Micros).max().orElse(0),
                        list.stream().mapToLong(Result::p99Micros).max().orElse(0), rate / berthRate);
            }
        } finally {
            berthSource.close();
            berthTunedSource.close();
            typical.close();
            tuned.close();
            execute("drop table if exists " + table);
        }
    }

    private static double mean(List<Result> results) {
        return results.stream().mapToDouble(Result::perSecond).average().orElse(0);
    }

    private HikariDataSource hikari(String name, boolean tuned) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("postgres");
        config.setPoolName(name);
        config.setMaximumPoolSize(poolSize);
        if (tuned) {
            config.setAutoCommit(false);
            config.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
        }
        return new HikariDataSource(config);
    }

    /** The retry loop as written by hand on a plain pool. */
    private boolean handWritten(HikariDataSource pool, boolean tuned, int from, int to, long amount, LongAdder retries) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                if (!tuned) {
                    c.setAutoCommit(false);
                    c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                }
                try {
                    boolean moved = bank.transfer(c, from, to, amount);
                    c.commit();
                    return moved;
                } catch (SQLException e) {
                    c.rollback();
                    String state = e.getSQLState();
                    boolean retryable = "40001".equals(state) || "40P01".equals(state);
                    if (!retryable || attempt >= MAX_ATTEMPTS) {
                        throw e;
                    }
                }
            }
            retries.increment();
            long cap = Math.min(Duration.ofMillis(500).toNanos(), Duration.ofMillis(5).toNanos() << Math.min(attempt - 1, 20));
            Thread.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap + 1)));
        }
    }

    private Result measure(String name, Transfer transfer, Duration length) throws Exception {
        execute("truncate " + table, "insert into " + table + " select g, " + OPENING + " from generate_series(0, " + (accounts - 1) + ") g",
                "vacuum analyze " + table);
        LongAdder calls = new LongAdder();
        LongAdder retries = new LongAdder();
        LongAdder failed = new LongAdder();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        List<Future<long[]>> futures = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                SplittableRandom random = new SplittableRandom(w * 7919L + System.nanoTime());
                futures.add(threads.submit(() -> {
                    long[] latencies = new long[1024];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        int from = random.nextInt(accounts);
                        int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                        long amount = 1 + random.nextInt(200);
                        long t0 = System.nanoTime();
                        try {
                            transfer.run(from, to, amount, retries);
                            calls.increment();
                        } catch (Exception e) {
                            failed.increment();
                        }
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = System.nanoTime() - t0;
                    }
                    return Arrays.copyOf(latencies, n);
                }));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = futures.stream().map(TransferBenchmark::join).flatMapToLong(Arrays::stream).sorted().toArray();
        long total = queryLong("select sum(balance) from " + table);
        if (total != accounts * OPENING) {
            throw new IllegalStateException(name + " broke the bank: total " + total + " instead of " + accounts * OPENING);
        }
        return new Result(name, seconds, calls.sum(), retries.sum(), failed.sum(), percentile(all, 0.50) / 1_000, percentile(all, 0.99) / 1_000);
    }

    private static long[] join(Future<long[]> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new IllegalStateException("a worker failed", e);
        }
    }

    private static long percentile(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }

    private void execute(String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    private long queryLong(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
