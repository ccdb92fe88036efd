package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.pool.PoolStats;
import dev.berth.testing.PostgresPair;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A primary that stops being one under write load, and a standby promoted in its place: the pool must stop lending
 * connections to the old primary and write to the new one within 2 s of the promotion, without losing an
 * acknowledged write and without leaking a connection. Each test starts its own {@link PostgresPair} (synchronous
 * replication, so that an acknowledged commit is on the standby when the primary dies) and is skipped with the
 * reason when the machine has no PostgreSQL server binaries.
 *
 * <p>The data source uses the pair's multi-host URL with {@code targetServerType=primary} and pgjdbc's default
 * {@code hostRecheckSeconds} (10). That default does not delay the switchover: pgjdbc remembers each host's role
 * for that long and tries only hosts that may fit, but it falls back to trying every host when none is known to fit,
 * and each attempt records what it found. Once the old primary is read-only or down and the standby is known as a
 * standby, every attempt tries both hosts again, and the first one after the promotion finds the new primary.
 *
 * <p>50 virtual threads insert unique ids in autocommit, each insert on a connection borrowed for it, and remember
 * the ids the server acknowledged and which server that was ({@code inet_server_port()}): an acknowledgement read
 * late by a busy client must not pass for a write to the new primary. The write downtime (first failed write to the
 * first write acknowledged by the promoted standby) is printed.
 */
class FailoverTest {

    private static final int WRITERS = 50;
    private static final int POOL_SIZE = 10;
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(2);

    private PostgresPair pair;
    private BerthDataSource dataSource;
    private Writers writers;

    @BeforeAll
    static void needsPostgresBinaries() {
        String reason = PostgresPair.unavailableReason();
        if (reason != null) {
            System.err.println("FailoverTest skipped: " + reason);
        }
        assumeTrue(reason == null, () -> "failover tests skipped: " + reason);
    }

    @BeforeEach
    void startPairAndPool(TestInfo test) throws IOException, SQLException {
        pair = PostgresPair.start(PostgresPair.Replication.SYNCHRONOUS);
        try (Connection primary = pair.primaryConnection(); Statement s = primary.createStatement()) {
            s.execute("create table writes (id bigint primary key)");
        }
        dataSource = BerthDataSource.builder()
                .jdbcUrl(pair.multiHostJdbcUrl())
                .username(pair.user())
                .poolName("failover-" + test.getTestMethod().orElseThrow().getName())
                .maximumPoolSize(POOL_SIZE)
                .connectionTimeout(2_000)
                .build();
        writers = new Writers(dataSource, pair.standbyPort());
    }

    @AfterEach
    void stopEverything() {
        if (writers != null) {
            writers.stop();
        }
        if (dataSource != null) {
            dataSource.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void writesMoveToThePromotedStandbyWhenThePrimaryTurnsReadOnly(TestInfo test) throws Exception {
        Promotion promotion = switchOverAfter(pair::makePrimaryReadOnly);
        assertThat(dataSource.fatalErrors().evictions()).as("the refused writes (25006) made the pool evict").isPositive();
        report(test, promotion);
    }

    @Test
    void writesMoveToThePromotedStandbyWhenThePrimaryStopsAbruptly(TestInfo test) throws Exception {
        Promotion promotion = switchOverAfter(pair::stopPrimaryImmediately);
        assertThat(dataSource.fatalErrors().revalidations()).as("the lost connections made the pool revalidate").isPositive();
        report(test, promotion);
    }

    /** What happens to the old primary: fenced read-only, or stopped. */
    @FunctionalInterface
    private interface Fault {
        void inject() throws Exception;
    }

    /**
     * Writers run, the fault hits the primary, the standby is promoted at the first failed write, and writes go on
     * until the new primary has acknowledged 200; then the common checks: in time, nothing lost, nothing leaked.
     */
    private Promotion switchOverAfter(Fault fault) throws Exception {
        writers.start();
        writers.awaitAcknowledged(300);

        fault.inject();
        writers.awaitFirstFailure();
        Promotion promotion = promote();

        writers.awaitAcknowledgedByTheNewPrimary(200);
        writers.stop();

        assertRecoveredInTime(promotion);
        assertEveryAcknowledgedWriteIsOnTheNewPrimary();
        assertNothingLeaked();
        return promotion;
    }

    /** When the promotion was asked for and when the standby took writes, in {@link System#nanoTime()}. */
    private record Promotion(long requested, long done) {
    }

    private Promotion promote() throws SQLException {
        long requested = System.nanoTime();
        pair.promoteStandby();
        return new Promotion(requested, System.nanoTime());
    }

    private void assertRecoveredInTime(Promotion promotion) {
        long recovered = writers.firstAcknowledgedByTheNewPrimary();
        assertThat(recovered - promotion.requested).as("the new primary took writes only after its promotion").isPositive();
        assertThat(Duration.ofNanos(recovered - promotion.requested))
                .as("first write acknowledged by the new primary after the promotion was requested (promotion itself took %d ms)",
                        millis(promotion.done - promotion.requested))
                .isLessThanOrEqualTo(RECOVERY_BOUND);
    }

    private void assertEveryAcknowledgedWriteIsOnTheNewPrimary() throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection newPrimary = pair.standbyConnection(); Statement s = newPrimary.createStatement();
             ResultSet rs = s.executeQuery("select id from writes")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        Set<Long> lost = new HashSet<>(writers.acknowledged);
        lost.removeAll(present);
        assertThat(lost).as("acknowledged writes missing on the new primary").isEmpty();
    }

    private void assertNothingLeaked() {
        assertThat(writers.unexpected).as("writers failed with something other than an SQLException").isEmpty();
        // a connection the pool is still making (refilling minimumIdle) counts as leased until it is idle, so nothing
        // leaked means the counts settle at zero once the writers are gone
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            PoolStats stats = dataSource.stats();
            assertThat(stats.leased()).as("leased connections after the writers stopped").isZero();
            assertThat(stats.waiting()).as("callers still waiting").isZero();
            assertThat(stats.total()).isLessThanOrEqualTo(POOL_SIZE);
        });
    }

    private void report(TestInfo test, Promotion promotion) {
        long firstFailure = writers.firstFailure.get();
        long recovered = writers.firstAcknowledgedByTheNewPrimary();
        System.out.printf("%s: write downtime %d ms (first failed write to the first write acknowledged by the promoted"
                        + " standby); promotion took %d ms to report, first write on the new primary %d ms after it was"
                        + " requested; %d writes acknowledged (%d by the new primary), %d failed %s; pool evictions=%d"
                        + " revalidations=%d%n",
                test.getTestMethod().orElseThrow().getName(), millis(recovered - firstFailure),
                millis(promotion.done - promotion.requested), millis(recovered - promotion.requested),
                writers.acknowledged.size(), writers.acknowledgedByTheNewPrimary().count(), writers.failures(),
                writers.failuresByState(),
                dataSource.fatalErrors().evictions(), dataSource.fatalErrors().revalidations());
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** One acknowledged write: when the writer read the acknowledgement ({@link System#nanoTime()}) and which server sent it. */
    private record Ack(long at, int serverPort) {
    }

    /** The write load: each writer inserts the next id in autocommit on a connection borrowed for that one insert. */
    private static final class Writers {
        final BerthDataSource dataSource;
        final int newPrimaryPort;
        final AtomicLong nextId = new AtomicLong();
        final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        final Map<Long, Ack> acks = new ConcurrentHashMap<>();
        final AtomicLong firstFailure = new AtomicLong();
        final Map<String, LongAdder> failuresByState = new ConcurrentHashMap<>();
        final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean running = true;

        Writers(BerthDataSource dataSource, int newPrimaryPort) {
            this.dataSource = dataSource;
            this.newPrimaryPort = newPrimaryPort;
        }

        void start() {
            for (int i = 0; i < WRITERS; i++) {
                threads.add(Thread.ofVirtual().name("writer-" + i).start(this::writeUntilStopped));
            }
        }

        private void writeUntilStopped() {
            while (running) {
                long id = nextId.incrementAndGet();
                try (Connection c = dataSource.getConnection();
                     PreparedStatement insert = c.prepareStatement("insert into writes (id) values (?) returning inet_server_port()")) {
                    insert.setLong(1, id);
                    try (ResultSet rs = insert.executeQuery()) {
                        rs.next();
                        acks.put(id, new Ack(System.nanoTime(), rs.getInt(1)));
                        acknowledged.add(id);
                    }
                } catch (SQLException e) {
                    firstFailure.compareAndSet(0, System.nanoTime());
                    failuresByState.computeIfAbsent(String.valueOf(e.getSQLState()), state -> new LongAdder()).increment();
                } catch (RuntimeException e) {
                    unexpected.add(e);
                }
            }
        }

        void awaitAcknowledged(int writes) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> acknowledged.size() >= writes);
            assertThat(firstFailure.get()).as("no write failed before the fault").isZero();
        }

        void awaitFirstFailure() {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> firstFailure.get() != 0);
        }

        Stream<Ack> acknowledgedByTheNewPrimary() {
            return acks.values().stream().filter(ack -> ack.serverPort() == newPrimaryPort);
        }

        void awaitAcknowledgedByTheNewPrimary(int writes) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> acknowledgedByTheNewPrimary().count() >= writes);
        }

        long firstAcknowledgedByTheNewPrimary() {
            return acknowledgedByTheNewPrimary().mapToLong(Ack::at).reduce((a, b) -> a - b < 0 ? a : b).orElseThrow();
        }

        long failures() {
            return failuresByState.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<String, Long> failuresByState() {
            Map<String, Long> sorted = new TreeMap<>();
            failuresByState.forEach((state, count) -> sorted.put(state, count.sum()));
            return sorted;
        }

        void stop() {
            running = false;
            for (Thread thread : threads) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while stopping the writers", e);
                }
            }
            threads.clear();
        }
    }
}
