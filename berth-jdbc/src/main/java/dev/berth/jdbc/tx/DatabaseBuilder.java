package dev.berth.jdbc.tx;

import static dev.berth.internal.Checks.notNegative;
import static dev.berth.internal.Checks.positive;

import dev.berth.jdbc.BerthDataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Configures a {@link Database}: the primary, optional read replicas, the default retry policy and the
 * long-transaction watch. Not thread-safe; use one builder for one database.
 *
 * {@snippet :
 * Database db = Database.builder()
 *         .primaryUrl("postgres://app:secret@db-primary:5432/app")
 *         .replicaUrl("postgres://app:secret@db-replica-1:5432/app")
 *         .replicaUrl("postgres://app:secret@db-replica-2:5432/app")
 *         .defaultRetry(RetryPolicy.defaults().maxAttempts(20))
 *         .longTransactionThreshold(Duration.ofSeconds(10))
 *         .longTransactionAbortAfter(Duration.ofMinutes(2))
 *         .build();
 * }
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>why</th></tr>
 *   <tr><td>defaultRetry</td><td>{@link RetryPolicy#defaults()}: 10 attempts, 5..500 ms</td>
 *       <td>SERIALIZABLE and REPEATABLE READ need it; harmless for READ COMMITTED (40P01 only)</td></tr>
 *   <tr><td>replicaRecheckAfter</td><td>5 s</td><td>a failed replica is skipped this long, then tried again in band</td></tr>
 *   <tr><td>replicaCheckInterval</td><td>1 s</td><td>each replica is asked this often whether it is still a replica and how
 *       far it lags; a promoted one is out of routing within about this long</td></tr>
 *   <tr><td>maxReplicaLag</td><td>10 s</td><td>a replica further behind is skipped until it catches up: older data than a
 *       user notices after their own write is a bug, not a trade-off</td></tr>
 *   <tr><td>longTransactionThreshold</td><td>60 s</td><td>a web request's transaction should never last a minute</td></tr>
 *   <tr><td>longTransactionAbortAfter</td><td>off</td><td>killing work is a decision for the operator</td></tr>
 * </table>
 */
public final class DatabaseBuilder {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private DataSource primary;
    private boolean ownsPrimary;
    private final List<DataSource> replicas = new ArrayList<>();
    private final List<Boolean> ownsReplica = new ArrayList<>();
    private String name;
    private RetryPolicy defaultRetry = RetryPolicy.defaults();
    private Duration replicaRecheckAfter = Duration.ofSeconds(5);
    private Duration replicaCheckInterval = Duration.ofSeconds(1);
    private Duration maxReplicaLag = Duration.ofSeconds(10);
    private Duration longTransactionThreshold = Duration.ofSeconds(60);
    private Duration longTransactionAbortAfter = Duration.ZERO;
    private Consumer<LongTransaction> onLongTransaction = report -> { };

    DatabaseBuilder() {
    }

    /**
     * @param dataSource the primary: a {@link BerthDataSource}, or any pooled {@link DataSource}; the database
     *     does not close it
     * @return this builder
     */
    public DatabaseBuilder primary(DataSource dataSource) {
        this.primary = Objects.requireNonNull(dataSource, "primary data source");
        this.ownsPrimary = false;
        return this;
    }

    /**
     * @param url a {@code postgres://} or {@code jdbc:postgresql:} URL; the database opens a
     *     {@link BerthDataSource} for it with default settings and closes it on {@link Database#close()}
     * @return this builder
     * @throws IllegalArgumentException when it is not a PostgreSQL URL
     */
    public DatabaseBuilder primaryUrl(String url) {
        this.primary = BerthDataSource.fromUrl(url);
        this.ownsPrimary = true;
        return this;
    }

    /**
     * Adds a read replica that read-only transactions may use; the database does not close it.
     *
     * @param dataSource a data source connected to a hot standby
     * @return this builder
     */
    public DatabaseBuilder replica(DataSource dataSource) {
        replicas.add(Objects.requireNonNull(dataSource, "replica data source"));
        ownsReplica.add(false);
        return this;
    }

    /**
     * Adds a read replica by URL: the database opens a {@link BerthDataSource} for it (its own pool) and closes
     * it. When the URL names no user and the primary is a {@link BerthDataSource}, the primary's user, password,
     * pool size and connection timeout are used.
     *
     * @param url a {@code postgres://} or {@code jdbc:postgresql:} URL of a hot standby
     * @return this builder
     */
    public DatabaseBuilder replicaUrl(String url) {
        replicas.add(BerthDataSource.fromUrl(url));
        ownsReplica.add(true);
        return this;
    }

    /** @param databaseName names the database in thread names and pool names (default "db-N"); @return this builder */
    public DatabaseBuilder name(String databaseName) {
        this.name = Objects.requireNonNull(databaseName, "name");
        return this;
    }

    /** @param policy the retry policy of transactions whose options name none; @return this builder */
    public DatabaseBuilder defaultRetry(RetryPolicy policy) {
        this.defaultRetry = Objects.requireNonNull(policy, "default retry policy (use RetryPolicy.none() for no retry)");
        return this;
    }

    /** @param after how long a replica that failed is skipped before it is tried again (positive); @return this builder */
    public DatabaseBuilder replicaRecheckAfter(Duration after) {
        this.replicaRecheckAfter = positive("replicaRecheckAfter", after);
        return this;
    }

    /**
     * How often each replica is asked whether it is still a replica ({@code pg_is_in_recovery()}) and how far it
     * lags; one that was promoted, or lags more than {@link #maxReplicaLag(Duration)}, gets no read-only work until a
     * later check finds it fit again (its reads go to the other replicas, or the primary).
     *
     * @param interval time between checks ({@link Duration#ZERO}: no checks, replicas are judged only by failures)
     * @return this builder
     */
    public DatabaseBuilder replicaCheckInterval(Duration interval) {
        this.replicaCheckInterval = notNegative("replicaCheckInterval", interval);
        return this;
    }

    /**
     * @param lag a replica that has not replayed its primary's transactions of this long ago gets no read-only work
     *     until it catches up ({@link Duration#ZERO}: any lag is accepted; a promoted replica is still taken out)
     * @return this builder
     */
    public DatabaseBuilder maxReplicaLag(Duration lag) {
        this.maxReplicaLag = notNegative("maxReplicaLag", lag);
        return this;
    }

    /**
     * @param threshold report transactions open longer than this ({@link Duration#ZERO}: never)
     * @return this builder
     */
    public DatabaseBuilder longTransactionThreshold(Duration threshold) {
        this.longTransactionThreshold = notNegative("longTransactionThreshold", threshold);
        return this;
    }

    /**
     * @param limit roll back transactions open longer than this by closing their connection; the work then
     *     fails with SQLSTATE 25P04 ({@link Duration#ZERO}, the default: never)
     * @return this builder
     */
    public DatabaseBuilder longTransactionAbortAfter(Duration limit) {
        this.longTransactionAbortAfter = notNegative("longTransactionAbortAfter", limit);
        return this;
    }

    /** @param listener receives each {@link LongTransaction} report (besides the log); @return this builder */
    public DatabaseBuilder onLongTransaction(Consumer<LongTransaction> listener) {
        this.onLongTransaction = Objects.requireNonNull(listener, "long-transaction listener");
        return this;
    }

    /**
     * @return the database, ready to use (pools start on first use)
     * @throws IllegalStateException when no primary was given
     */
    public Database build() {
        if (primary == null) {
            throw new IllegalStateException("a Database needs a primary: call primary(dataSource) or primaryUrl(url)");
        }
        String dbName = name != null ? name : "db-" + COUNTER.incrementAndGet();
        if (ownsPrimary && primary instanceof BerthDataSource berth && berth.getPoolName() == null) {
            berth.setPoolName(dbName + "-primary");
        }
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            DataSource replica = replicas.get(i);
            if (ownsReplica.get(i) && replica instanceof BerthDataSource berth) {
                inheritSettings(berth, dbName + "-replica-" + i);
            }
            targets.add(new Target("replica-" + i, replica, ownsReplica.get(i)));
        }
        return new Database(dbName, new Target("primary", primary, ownsPrimary), targets, defaultRetry, replicaRecheckAfter,
                replicaCheckInterval, maxReplicaLag, longTransactionThreshold, longTransactionAbortAfter, onLongTransaction);
    }

    private void inheritSettings(BerthDataSource replica, String poolName) {
        replica.setPoolName(poolName);
        if (primary instanceof BerthDataSource source) {
            if (replica.getUsername() == null) {
                replica.setUsername(source.getUsername());
                replica.setPassword(source.getPassword());
            }
            replica.setMaximumPoolSize(source.getMaximumPoolSize());
            replica.setMinimumIdle(source.getMinimumIdle());
            replica.setConnectionTimeout(source.getConnectionTimeout());
        }
    }
}
