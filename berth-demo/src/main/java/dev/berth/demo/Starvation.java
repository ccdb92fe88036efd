package dev.berth.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * {@code POST /api/starve}: starves the primary pool on purpose to show what a starved pool says. Every connection
 * is taken by a holder thread in {@link #holdConnection} (the call site the report names); then one more acquire
 * waits for the acquire timeout and fails, and its message (berth's forensic report, or HikariCP's one line) is the
 * answer. The holders keep their connections until one second after the answer, so requests that arrive meanwhile
 * wait too and get a 503 when their wait runs out. One starvation at a time.
 */
final class Starvation implements AutoCloseable {
    /** How long the holders keep their connections after the answer. */
    private static final Duration HOLD_AFTER = Duration.ofSeconds(1);
    /** How long a holder keeps queueing when it times out behind other borrowers. */
    private static final Duration TAKE_WITHIN = Duration.ofSeconds(5);

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
        CountDownLatch release = new CountDownLatch(1);
        try {
            CountDownLatch holding = new CountDownLatch(poolSize);
            long takeUntil = System.nanoTime() + TAKE_WITHIN.plus(acquireTimeout).toNanos();
            for (int i = 0; i < poolSize; i++) {
                Thread.ofVirtual().name("starve-holder-" + (i + 1)).start(() -> holdConnection(holding, release, takeUntil));
            }
            // Every holder counts down once it holds, or once it gave up queueing; only then does the probe queue.
            holding.await(TAKE_WITHIN.plus(acquireTimeout.multipliedBy(2)).plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
            try (Connection probe = dataSource.getConnection()) {
                return new Result("no timeout: a connection became free within " + acquireTimeout.toMillis()
                        + " ms although " + poolSize + " holders were taking every connection of the pool", false);
            } catch (SQLException e) {
                return new Result(e.getMessage(), true);
            }
        } finally {
            Thread.ofVirtual().name("starve-release").start(() -> {
                try {
                    closed.await(HOLD_AFTER.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    release.countDown();
                }
            });
            running.unlock();
        }
    }

    /**
     * The site the starved pool's report names: takes one connection and holds it until {@code release}. Under load
     * a holder can time out behind the requests queued before it; it queues again (until {@code takeUntil}), since a
     * holder that gave up would leave the probe a connection to win.
     */
    private void holdConnection(CountDownLatch holding, CountDownLatch release, long takeUntil) {
        try {
            while (true) {
                try (Connection connection = dataSource.getConnection(); Statement s = connection.createStatement()) {
                    s.execute("SELECT 1");
                    holding.countDown();
                    release.await();
                    return;
                } catch (SQLException e) {
                    if (System.nanoTime() - takeUntil >= 0 || closed.getCount() == 0 || Thread.currentThread().isInterrupted()) {
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
