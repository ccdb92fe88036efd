package dev.berth.example;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.micrometer.PoolMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

/**
 * Makes a pool starve and leak on purpose, on a real PostgreSQL, and prints what berth says about it: the
 * starvation error, the leak reports, and the pool's metrics. docs/diagnostics.md quotes its output.
 *
 * <pre>{@code
 * bin/forensics            # embedded PostgreSQL, or DATABASE_URL
 * }</pre>
 */
public final class Forensics {

    private Forensics() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        String url = System.getenv("DATABASE_URL");
        EmbeddedPostgres embedded = null;
        if (url == null || url.isBlank()) {
            embedded = EmbeddedPostgres.builder().start();
            url = "postgres://postgres@127.0.0.1:" + embedded.getPort() + "/postgres";
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (BerthDataSource db = configured(url);
             PoolMetrics metrics = PoolMetrics.install(registry, "orders-db", "jdbc", db::setPoolListener, db::stats)) {
            starve(db);
            leak(db);
            System.out.println("\n=== metrics (Prometheus scrape, berth_pool_* only)");
            registry.scrape().lines().filter(l -> l.startsWith("berth_pool")).forEach(System.out::println);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private static BerthDataSource configured(String url) {
        BerthDataSource db = BerthDataSource.fromUrl(url);
        db.setPoolName("orders-db");
        db.setMaximumPoolSize(3);
        db.setConnectionTimeout(1_000);
        db.setLeakDetectionThreshold(300);
        db.setSlowLeaseThreshold(200);
        return db;
    }

    /** Two code sites hold every connection; a third caller times out and prints the error it gets. */
    private static void starve(BerthDataSource db) throws Exception {
        System.out.println("=== starvation: OrderService holds two connections in transactions, ReportJob one");
        CountDownLatch holding = new CountDownLatch(3);
        CountDownLatch done = new CountDownLatch(1);
        Thread[] holders = {
            Thread.ofVirtual().name("http-worker-1").start(() -> OrderService.place(db, holding, done)),
            Thread.ofVirtual().name("http-worker-2").start(() -> OrderService.place(db, holding, done)),
            Thread.ofVirtual().name("report-job").start(() -> ReportJob.run(db, holding, done)),
        };
        holding.await();
        try (Connection c = db.getConnection()) {
            System.out.println("unexpected: got a connection");
        } catch (SQLException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        done.countDown();
        for (Thread t : holders) {
            t.join();
        }
    }

    /** A handler forgets to close its connection; berth notices, reports it and replaces the connection. */
    private static void leak(BerthDataSource db) throws Exception {
        System.out.println("\n=== leak: LeakyHandler takes a connection and never closes it");
        LeakyHandler.handle(db);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((db.stats().leased() > 0 || db.stats().total() < 3) && System.nanoTime() < deadline) {
            System.gc(); // the dropped lease becomes garbage; housekeeping reclaims its connection
            Thread.onSpinWait();
            Thread.sleep(50); // a demonstration program waiting for the collector, not a test
        }
        System.out.println("after the leak: " + db.stats());
    }

    static final class OrderService {
        static void place(BerthDataSource db, CountDownLatch holding, CountDownLatch done) {
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("select 1");
                }
                holding.countDown();
                done.await(); // a slow payment call while the transaction stays open
                c.rollback();
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static final class ReportJob {
        static void run(BerthDataSource db, CountDownLatch holding, CountDownLatch done) {
            try (Connection c = db.getConnection()) {
                holding.countDown();
                done.await(); // a long report query
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static final class LeakyHandler {
        static void handle(BerthDataSource db) throws SQLException {
            Connection c = db.getConnection(); // never closed: the bug
            try (Statement s = c.createStatement()) {
                s.execute("select 1");
            }
        }
    }
}
