package dev.berth.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.berth.jdbc.BerthDataSource;
import dev.berth.jdbc.SessionReset;
import dev.berth.pool.Lease;
import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.ResourceFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * One pool under test behind one face: {@link #borrow()} a handle, use its {@link #connection}, then
 * {@link #release} it. The contenders are configured alike: a fixed size (minimum idle = maximum),
 * 30 s acquire timeout, validation on borrow only after 500 ms idle (HikariCP's aliveBypassWindow,
 * berth's validateAfterIdle), so a busy benchmark never validates.
 *
 * <ul>
 *   <li>{@code berth}: on the no-op driver berth's {@link Pool} itself (BerthDataSource only makes pgjdbc
 *       connections), handing out {@link Lease}s; on PostgreSQL a {@link BerthDataSource}.</li>
 *   <li>{@code hikari}: a {@link HikariDataSource} (driverClassName = the no-op driver, or pgjdbc).</li>
 *   <li>{@code queue}: a fair {@link ArrayBlockingQueue} of raw connections, the floor of what a pool can cost.</li>
 *   <li>{@code berth-nosites}: {@code berth} with call-site recording off; {@code berth-engine}: berth's bare
 *       {@link Pool} on either target (on PostgreSQL it tells the engine's cost from BerthDataSource's).</li>
 *   <li>The session resets of group (4), on PostgreSQL: {@code berth} resets fully (the default,
 *       {@link SessionReset#FULL}); {@code berth-jdbcreset} as HikariCP does ({@link SessionReset#JDBC});
 *       {@code berth-discardall} resets as HikariCP does and the borrower sends {@code DISCARD ALL} before closing,
 *       the textbook complete reset (what PgBouncer's {@code server_reset_query} does).</li>
 * </ul>
 *
 * Each benchmark JVM uses one contender only, so its call sites stay monomorphic.
 */
abstract class Contender implements AutoCloseable {

    static final List<String> NAMES = List.of("berth", "hikari", "queue");
    /** The contenders of group (4): what a session reset costs. */
    static final List<String> RESET_NAMES = List.of("berth", "berth-jdbcreset", "berth-discardall", "hikari");
    private static final int ACQUIRE_TIMEOUT_MS = 30_000;

    final int poolSize;

    Contender(int poolSize) {
        this.poolSize = poolSize;
    }

    static Contender open(String name, Target target, int poolSize) throws Exception {
        Contender contender = switch (name) {
            // berth as configured by default: call sites on, recorded within their budget (one stack per 100 us)
            case "berth" -> target == Target.NOOP ? new BerthPool(target, poolSize, true) : new BerthJdbc(target, poolSize, true, SessionReset.FULL);
            // berth with call-site recording off: issue 5 asks what recording costs
            case "berth-nosites" -> target == Target.NOOP ? new BerthPool(target, poolSize, false) : new BerthJdbc(target, poolSize, false, SessionReset.FULL);
            // issue 18: what the full session reset costs against HikariCP's JDBC-only one and against DISCARD ALL
            case "berth-jdbcreset" -> new BerthJdbc(target, poolSize, true, SessionReset.JDBC);
            case "berth-discardall" -> new BerthDiscardAll(new BerthJdbc(target, poolSize, true, SessionReset.JDBC));
            // berth's bare Pool even on PostgreSQL: separates the engine's cost from BerthDataSource's wrapper
            case "berth-engine" -> new BerthPool(target, poolSize, true);
            case "hikari" -> new Hikari(target, poolSize);
            case "queue" -> new Queue(target, poolSize);
            default -> throw new IllegalArgumentException("unknown contender \"" + name + "\"; use one of " + NAMES
                    + " or berth-nosites, berth-engine, berth-jdbcreset, berth-discardall");
        };
        contender.awaitFull();
        return contender;
    }

    /** Borrows a connection, waiting as long as the pool makes it wait. */
    abstract Object borrow() throws Exception;

    /** @return the JDBC connection inside a handle from {@link #borrow()} */
    abstract Connection connection(Object handle);

    /** Gives a handle back. */
    abstract void release(Object handle) throws Exception;

    /** @return connections the pool holds now */
    abstract int total();

    /** Waits until the pool holds all its connections, so no measurement includes connecting. */
    final void awaitFull() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (total() < poolSize) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(getClass().getSimpleName() + " holds " + total() + " of "
                        + poolSize + " connections after 30 s; is the database reachable?");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Override
    public abstract void close() throws Exception;

    /** berth's pool engine over no-op connections (the same factory calls HikariCP makes). */
    static final class BerthPool extends Contender {
        private final Pool<Connection> pool;

        BerthPool(Target target, int poolSize, boolean callSites) {
            super(poolSize);
            PoolConfig config = PoolConfig.builder()
                    .name("berth-bench")
                    .maxSize(poolSize)
                    .minIdle(poolSize)
                    .acquireTimeout(Duration.ofMillis(ACQUIRE_TIMEOUT_MS))
                    .validateAfterIdle(Duration.ofMillis(500))
                    .callSites(callSites)
                    .build();
            pool = Pool.open(config, connections(target));
        }

        /** Raw connections of the target, validated with {@code isValid}: what every bare-Pool contender pools. */
        static ResourceFactory<Connection> connections(Target target) {
            return new ResourceFactory<>() {
                @Override
                public Connection create() throws SQLException {
                    return target.connect();
                }

                @Override
                public boolean validate(Connection c, Duration timeout) throws SQLException {
                    return c.isValid((int) Math.max(1, timeout.toSeconds()));
                }

                @Override
                public void destroy(Connection c) throws SQLException {
                    c.close();
                }
            };
        }

        @Override
        Object borrow() throws InterruptedException {
            return pool.acquire();
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
        public void close() {
            pool.close();
        }
    }

    /** A pool behind a {@link javax.sql.DataSource}: borrowing is getConnection, giving back is close. */
    abstract static class DataSourceContender extends Contender {
        DataSourceContender(int poolSize) {
            super(poolSize);
        }

        abstract javax.sql.DataSource dataSource();

        @Override
        final Object borrow() throws SQLException {
            return dataSource().getConnection();
        }

        @Override
        final Connection connection(Object handle) {
            return (Connection) handle;
        }

        @Override
        final void release(Object handle) throws SQLException {
            ((Connection) handle).close();
        }
    }

    /** berth's DataSource (pgjdbc only). */
    static final class BerthJdbc extends DataSourceContender {
        private final BerthDataSource dataSource;

        BerthJdbc(Target target, int poolSize, boolean callSites, SessionReset reset) {
            super(poolSize);
            if (target == Target.NOOP) {
                throw new IllegalArgumentException("BerthDataSource needs PostgreSQL (target=postgres)");
            }
            dataSource = BerthDataSource.builder()
                    .sessionReset(reset)
                    .poolName("berth-bench")
                    .jdbcUrl(target.url)
                    .username(target.user)
                    .password(target.password)
                    .maximumPoolSize(poolSize)
                    .minimumIdle(poolSize)
                    .connectionTimeout(ACQUIRE_TIMEOUT_MS)
                    .build();
            dataSource.setCallSites(callSites);
            dataSource.start();
        }

        @Override
        javax.sql.DataSource dataSource() {
            return dataSource;
        }

        @Override
        int total() {
            return dataSource.stats().total();
        }

        @Override
        public void close() {
            dataSource.close();
        }
    }

    /** berth with HikariCP's reset, and the borrower sends {@code DISCARD ALL} before giving the connection back. */
    static final class BerthDiscardAll extends Contender {
        private final BerthJdbc berth;

        BerthDiscardAll(BerthJdbc berth) {
            super(berth.poolSize);
            this.berth = berth;
        }

        @Override
        Object borrow() throws SQLException {
            return berth.borrow();
        }

        @Override
        Connection connection(Object handle) {
            return (Connection) handle;
        }

        @Override
        void release(Object handle) throws SQLException {
            Connection c = (Connection) handle;
            try (java.sql.Statement s = c.createStatement()) {
                s.execute("DISCARD ALL");
            } finally {
                c.close();
            }
        }

        @Override
        int total() {
            return berth.total();
        }

        @Override
        public void close() {
            berth.close();
        }
    }

    /** HikariCP, configured alike. */
    static final class Hikari extends DataSourceContender {
        private final HikariDataSource dataSource;
        private final IntSupplier total;

        Hikari(Target target, int poolSize) {
            super(poolSize);
            HikariConfig config = new HikariConfig();
            config.setPoolName("hikari-bench");
            config.setJdbcUrl(target.url);
            if (target == Target.NOOP) {
                config.setDriverClassName(NoopDriver.class.getName());
            } else {
                config.setUsername(target.user);
                config.setPassword(target.password);
            }
            config.setMaximumPoolSize(poolSize);
            config.setMinimumIdle(poolSize);
            config.setConnectionTimeout(ACQUIRE_TIMEOUT_MS);
            dataSource = new HikariDataSource(config);
            total = () -> dataSource.getHikariPoolMXBean().getTotalConnections();
        }

        @Override
        javax.sql.DataSource dataSource() {
            return dataSource;
        }

        @Override
        int total() {
            return total.getAsInt();
        }

        @Override
        public void close() {
            dataSource.close();
        }
    }

    /** A fair blocking queue of raw connections: take, use, put back. No pool can cost less and still be fair. */
    static final class Queue extends Contender {
        private final ArrayBlockingQueue<Connection> idle;
        private final List<Connection> all = new ArrayList<>();

        Queue(Target target, int poolSize) throws SQLException {
            super(poolSize);
            idle = new ArrayBlockingQueue<>(poolSize, true);
            for (int i = 0; i < poolSize; i++) {
                Connection c = target.connect();
                all.add(c);
                idle.add(c);
            }
        }

        @Override
        Object borrow() throws InterruptedException {
            return idle.take();
        }

        @Override
        Connection connection(Object handle) {
            return (Connection) handle;
        }

        @Override
        void release(Object handle) throws InterruptedException {
            idle.put((Connection) handle);
        }

        @Override
        int total() {
            return all.size();
        }

        @Override
        public void close() throws SQLException {
            for (Connection c : all) {
                c.close();
            }
        }
    }
}
