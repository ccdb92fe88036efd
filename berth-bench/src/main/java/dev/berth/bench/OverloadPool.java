package dev.berth.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.berth.pool.Lease;
import dev.berth.pool.OverloadPolicy;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A pool under the open-loop overload benchmark ({@link OpenLoop}), asked for a connection within what is left of a
 * caller's budget. All hold a fixed number of connections (minimum idle = maximum) and validate on borrow only after
 * 500 ms idle, as in {@link Contender}.
 *
 * <ul>
 *   <li>{@code shed}, {@code fifo}: berth's {@link Pool} with {@link OverloadPolicy#SHED} (the default) or
 *       {@link OverloadPolicy#FIFO}, over the target's own connections (no-op or pgjdbc); every acquire waits at most
 *       the caller's remaining budget ({@link Pool#acquire(Duration)}).</li>
 *   <li>{@code hikari}: HikariCP 7.1.0 with {@code connectionTimeout} 250 ms, the least it accepts: it cannot be told
 *       a per-call budget, so a connection it hands out after the caller's deadline counts as not in time.</li>
 * </ul>
 */
abstract class OverloadPool implements AutoCloseable {

    static final List<String> NAMES = List.of("shed", "fifo", "hikari");
    static final int HIKARI_TIMEOUT_MS = 250;

    final int size;

    OverloadPool(int size) {
        this.size = size;
    }

    static OverloadPool open(String name, Target target, int size) throws InterruptedException {
        OverloadPool pool = switch (name) {
            case "shed" -> new Berth(target, size, OverloadPolicy.SHED);
            case "fifo" -> new Berth(target, size, OverloadPolicy.FIFO);
            case "hikari" -> new Hikari(target, size);
            default -> throw new IllegalArgumentException("unknown contender \"" + name + "\"; use one of " + NAMES);
        };
        pool.awaitFull();
        return pool;
    }

    /** @return how the report names a contender */
    static String label(String name) {
        return switch (name) {
            case "shed" -> "berth SHED";
            case "fifo" -> "berth FIFO";
            case "hikari" -> "HikariCP";
            default -> name;
        };
    }

    /** Borrows a connection, waiting at most {@code budgetNanos} where the pool can be told so. */
    abstract Object acquire(long budgetNanos) throws Exception;

    abstract Connection connection(Object handle);

    abstract void release(Object handle) throws Exception;

    abstract int total();

    /** @return what the pool itself counted over the whole fork (warm-up too), for the progress log; empty if nothing */
    String ownCounts() {
        return "";
    }

    private void awaitFull() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (total() < size) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(getClass().getSimpleName() + " holds " + total() + " of " + size
                        + " connections after 30 s; is the database reachable?");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** berth's pool engine over the target's connections, with the given overload policy. */
    static final class Berth extends OverloadPool {
        private final Pool<Connection> pool;

        Berth(Target target, int size, OverloadPolicy policy) {
            super(size);
            PoolConfig config = PoolConfig.builder()
                    .name("berth-overload-" + policy.name().toLowerCase(java.util.Locale.ROOT))
                    .maxSize(size)
                    .minIdle(size)
                    .validateAfterIdle(Duration.ofMillis(500))
                    .overloadPolicy(policy)
                    .build();
            pool = Pool.open(config, Contender.BerthPool.connections(target));
        }

        @Override
        Object acquire(long budgetNanos) throws InterruptedException {
            return pool.acquire(Duration.ofNanos(budgetNanos));
        }

        @Override
        @SuppressWarnings("unchecked")
        Connection connection(Object handle) {
            return ((Lease<Connection>) handle).get();
        }

        @Override
        void release(Object handle) {
            ((Lease<?>) handle).close();
        }

        @Override
        int total() {
            return pool.stats().total();
        }

        @Override
        String ownCounts() {
            PoolStats stats = pool.stats();
            double holdMs = stats.hold().p50().toNanos() / 1e6;
            return String.format(java.util.Locale.ROOT, "%s's own count: acquired %d, shed %d, timeouts %d; hold p50 %.3f ms,"
                            + " so %d connections serve %.0f a second by the hold alone", stats.name(), stats.acquired(),
                    stats.shed(), stats.timeouts(), holdMs, size, size * 1e3 / holdMs);
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    /** HikariCP at its shortest connectionTimeout. */
    static final class Hikari extends OverloadPool {
        private final HikariDataSource dataSource;

        Hikari(Target target, int size) {
            super(size);
            HikariConfig config = new HikariConfig();
            config.setPoolName("hikari-overload");
            config.setJdbcUrl(target.url);
            if (target == Target.NOOP) {
                config.setDriverClassName(NoopDriver.class.getName());
            } else {
                config.setUsername(target.user);
                config.setPassword(target.password);
            }
            config.setMaximumPoolSize(size);
            config.setMinimumIdle(size);
            config.setConnectionTimeout(HIKARI_TIMEOUT_MS);
            config.setValidationTimeout(HIKARI_TIMEOUT_MS); // may not exceed connectionTimeout
            dataSource = new HikariDataSource(config);
        }

        @Override
        Object acquire(long budgetNanos) throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        Connection connection(Object handle) {
            return (Connection) handle;
        }

        @Override
        void release(Object handle) throws SQLException {
            ((Connection) handle).close();
        }

        @Override
        int total() {
            return dataSource.getHikariPoolMXBean().getTotalConnections();
        }

        @Override
        public void close() {
            dataSource.close();
        }
    }
}
