package dev.berth.jdbc;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Virtual threads each inserting a fresh id into a table in a loop (autocommit, one borrowed connection per
 * insert), for the failure tests: what they saw, counted. An id is acknowledged once {@code executeUpdate}
 * returned, so the server has committed it.
 */
final class InsertLoad {
    final DataSource ds;
    final String table;
    final AtomicLong ids = new AtomicLong();
    final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();
    final AtomicLong successes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    /** The longest a call (getConnection, insert, close) took, failed or not, in ns. */
    final AtomicLong longest = new AtomicLong();
    /** When the first insert that started at or after {@link #healedAt} succeeded ({@code System.nanoTime()}), or 0. */
    final AtomicLong recoveredAt = new AtomicLong();
    /** The messages of the first 1,000 failures. */
    final Queue<String> messages = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    volatile long healedAt = Long.MAX_VALUE;
    private volatile boolean stop;

    private InsertLoad(DataSource ds, String table) {
        this.ds = ds;
        this.table = table;
    }

    /** Starts {@code callers} virtual threads inserting into {@code table} (a table with an {@code id bigint} key). */
    static InsertLoad start(DataSource ds, String table, int callers) {
        InsertLoad load = new InsertLoad(ds, table);
        for (int i = 0; i < callers; i++) {
            load.threads.add(Thread.ofVirtual().name("insert-load-" + i).start(load::run));
        }
        return load;
    }

    private void run() {
        while (!stop) {
            long start = System.nanoTime();
            try (Connection c = ds.getConnection();
                 PreparedStatement insert = c.prepareStatement("insert into " + table + " (id) values (?)")) {
                long id = ids.incrementAndGet();
                insert.setLong(1, id);
                insert.executeUpdate();
                acknowledged.add(id);
                successes.incrementAndGet();
                if (start - healedAt >= 0) {
                    recoveredAt.compareAndSet(0, System.nanoTime());
                }
            } catch (SQLException e) {
                failures.incrementAndGet();
                if (messages.size() < 1_000) {
                    messages.add(String.valueOf(e.getMessage()));
                }
            } finally {
                longest.accumulateAndGet(System.nanoTime() - start, Math::max);
            }
        }
    }

    /** From now on, an insert that starts and succeeds counts as the recovery. */
    void healedAt(long nanos) {
        healedAt = nanos;
    }

    void awaitSuccesses(long n) {
        await("the load runs").atMost(Duration.ofSeconds(20)).until(() -> successes.get() >= n);
    }

    void awaitRecovery() {
        await("an insert that started after the fault ended succeeds").atMost(Duration.ofSeconds(20))
                .until(() -> recoveredAt.get() != 0);
    }

    void awaitSuccessesAfter(long n) {
        awaitSuccesses(successes.get() + n);
    }

    void stop() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join();
        }
    }
}
