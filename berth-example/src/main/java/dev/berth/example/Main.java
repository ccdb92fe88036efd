package dev.berth.example;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.micrometer.PoolMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The main job: many small transactions from many virtual threads through one small {@link BerthDataSource}.
 * Uses the PostgreSQL named by {@code DATABASE_URL} ({@code postgres://} or {@code jdbc:postgresql://}),
 * or starts an embedded one when it is unset. Prints progress and the pool's statistics, checks that every
 * transaction left its mark exactly once, prints the pool's metrics as a Prometheus scrape would see them,
 * and exits 0 (1 when the check fails, 2 when the database fails).
 */
public final class Main {

    private static final int TRANSACTIONS = 10_000;
    private static final int THREADS = 1_000;
    private static final int POOL_SIZE = 10;
    private static final int BUCKETS = 50;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        try {
            System.exit(run() ? 0 : 1);
        } catch (SQLException e) {
            System.err.println("the example failed: " + e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")");
            System.exit(2);
        }
    }

    private static boolean run() throws Exception {
        String url = System.getenv("DATABASE_URL");
        EmbeddedPostgres embedded = null;
        if (url == null || url.isBlank()) {
            System.out.println("DATABASE_URL is not set: starting an embedded PostgreSQL");
            embedded = EmbeddedPostgres.builder().start();
            url = "postgres://postgres@127.0.0.1:" + embedded.getPort() + "/postgres";
        }
        boolean consistent;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (BerthDataSource db = configured(url);
             PoolMetrics metrics = PoolMetrics.install(registry, "example", "jdbc", db::setPoolListener, db::stats)) {
            System.out.println("database: " + db.getJdbcUrl() + (db.getUsername() == null ? "" : " as " + db.getUsername()));
            createTables(db);
            long started = System.nanoTime();
            runTransactions(db);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("%,d transactions from %,d virtual threads on %d connections in %.2f s (%,.0f/s)%n",
                    TRANSACTIONS, THREADS, POOL_SIZE, seconds, TRANSACTIONS / seconds);
            consistent = check(db);
            System.out.println(db.stats());
            System.out.println("metrics (Prometheus exposition of the pool's meters):");
            registry.scrape().lines().filter(line -> line.startsWith("berth_pool")).forEach(line -> System.out.println("  " + line));
        } finally {
            if (embedded != null) {
                closeEmbedded(embedded);
            }
        }
        return consistent;
    }

    private static BerthDataSource configured(String url) {
        BerthDataSource db = BerthDataSource.fromUrl(url);
        db.setPoolName("example");
        db.setMaximumPoolSize(POOL_SIZE);
        db.setSlowLeaseThreshold(500); // the seed's half second: a lease held longer is logged with its call site
        return db;
    }

    private static void createTables(BerthDataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists berth_example_transfer (id bigserial primary key, bucket int not null, amount int not null)");
            s.execute("create table if not exists berth_example_total (bucket int primary key, total bigint not null)");
            s.execute("truncate berth_example_transfer, berth_example_total");
            s.execute("insert into berth_example_total select b, 0 from generate_series(0, " + (BUCKETS - 1) + ") b");
        }
    }

    private static void runTransactions(BerthDataSource db) throws InterruptedException, ExecutionException {
        AtomicInteger done = new AtomicInteger();
        Semaphore inFlight = new Semaphore(THREADS);
        List<Future<?>> results = new ArrayList<>(TRANSACTIONS);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < TRANSACTIONS; i++) {
                int n = i;
                inFlight.acquire();
                results.add(threads.submit(() -> {
                    try {
                        transfer(db, n % BUCKETS, 1 + n % 7);
                        int finished = done.incrementAndGet();
                        if (finished % 1_000 == 0) {
                            System.out.printf("  %,6d done, pool: %d leased, %d waiting%n",
                                    finished, db.stats().leased(), db.stats().waiting());
                        }
                        return null;
                    } finally {
                        inFlight.release();
                    }
                }));
            }
        }
        for (Future<?> result : results) {
            result.get();
        }
    }

    /** One small transaction: record a transfer and add it to its bucket's running total. */
    private static void transfer(BerthDataSource db, int bucket, int amount) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("insert into berth_example_transfer (bucket, amount) values (?, ?)");
                 PreparedStatement update = c.prepareStatement("update berth_example_total set total = total + ? where bucket = ?")) {
                insert.setInt(1, bucket);
                insert.setInt(2, amount);
                insert.executeUpdate();
                update.setInt(1, amount);
                update.setInt(2, bucket);
                update.executeUpdate();
                c.commit();
            }
        }
    }

    private static boolean check(BerthDataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select (select count(*) from berth_example_transfer),"
                     + " (select coalesce(sum(amount), 0) from berth_example_transfer),"
                     + " (select sum(total) from berth_example_total)")) {
            rs.next();
            long count = rs.getLong(1);
            long transferred = rs.getLong(2);
            long totals = rs.getLong(3);
            boolean ok = count == TRANSACTIONS && transferred == totals;
            System.out.printf("check: %,d transfers of %,d in total, bucket totals %,d: %s%n",
                    count, transferred, totals, ok ? "consistent" : "INCONSISTENT");
            return ok;
        }
    }

    private static void closeEmbedded(EmbeddedPostgres embedded) {
        try {
            embedded.close();
        } catch (IOException e) {
            System.err.println("the embedded PostgreSQL did not stop cleanly: " + e.getMessage());
        }
    }
}
