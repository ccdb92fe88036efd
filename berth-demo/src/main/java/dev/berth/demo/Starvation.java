package dev.berth.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * {@code POST /api/starve}: starves the primary pool on purpose to show what a starved pool says. Every connection
 * is taken by a holder thread in {@link #holdConnection} (the call site the report names) and held for about two
 * seconds (longer when the acquire timeout is longer); meanwhile one more acquire waits for the acquire timeout and
 * fails, and its message (berth's forensic report, or HikariCP's one line) is the answer. Requests that arrive in
 * those seconds wait too, and get a 503 when their wait runs out. One starvation at a time.
 */
final class Starvation implements AutoCloseable {
    private static final Duration HOLD = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private final int poolSize;
    private final Duration acquireTimeout;
    private final ReentrantLock running = new ReentrantLock();
    private final CountDownLatch closed = new CountDownLatch(1);

    Starvation(DataSource dataSource, int poolSize, Duration acquireTimeout) {
        this.dataSource = dataSource;
        this.poolSize = poolSize;
        this.acquireTimeout = acquireTimeout;
    }

    /** The report, and whether the probe really timed out. */
    record Result(String report, boolean timedOut) {
    }

    /**
     * @return the timed-out acquire's message
     * @throws ApiException 409 when a starvation is already running
     */
    Result starve() throws InterruptedException {
        if (!running.tryLock()) {
            throw ApiException.conflict("starvation_running", "a starvation is already running; wait for its answer "
                    + "(it takes about " + acquireTimeout.plusSeconds(1).toMillis() + " ms)");
        }
        try {
            Duration holdFor = HOLD.compareTo(acquireTimeout.plusMillis(500)) > 0 ? HOLD : acquireTimeout.plusMillis(500);
            CountDownLatch holding = new CountDownLatch(poolSize);
            List<Thread> holders = new ArrayList<>(poolSize);
            for (int i = 0; i < poolSize; i++) {
                holders.add(Thread.ofVirtual().name("starve-holder-" + (i + 1))
                        .start(() -> holdConnection(holding, holdFor)));
            }
            // A holder queued behind a busy load may time out; it tries again until it holds (or holdFor has passed,
            // when it counts down anyway), so the probe below meets a pool whose every connection is taken.
            holding.await(holdFor.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            try (Connection probe = dataSource.getConnection()) {
                return new Result("no timeout: a connection became free within " + acquireTimeout.toMillis()
                        + " ms although " + poolSize + " holders were taking every connection of the pool", false);
            } catch (SQLException e) {
                return new Result(e.getMessage(), true);
            }
        } finally {
            running.unlock();
        }
    }

    /**
     * The site the starved pool's report names: holds one connection for {@code holdFor}, or until shutdown. Under
     * load a holder can time out behind the requests queued before it; it queues again (for at most {@code holdFor}),
     * since a holder that gave up would leave the probe a connection to win.
     */
    private void holdConnection(CountDownLatch holding, Duration holdFor) {
        long giveUp = System.nanoTime() + holdFor.toNanos();
        try {
            while (true) {
                try (Connection connection = dataSource.getConnection(); Statement s = connection.createStatement()) {
                    s.execute("SELECT 1");
                    holding.countDown();
                    closed.await(holdFor.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (SQLException e) {
                    if (System.nanoTime() - giveUp >= 0 || closed.getCount() == 0 || Thread.currentThread().isInterrupted()) {
                        holding.countDown();
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases any connection still held. */
    @Override
    public void close() {
        closed.countDown();
    }
}
