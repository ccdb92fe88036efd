package dev.berth.bench.failover;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The write load: writers on virtual threads, each inserting the next id in autocommit on a connection borrowed for that
 * one insert, as a request handler would. An insert returns {@code inet_server_port()}, so each acknowledgement names
 * the server that gave it: an acknowledgement of the old primary read late by a busy writer does not pass for a write
 * to the new one. Times are nanoseconds since the run's origin ({@link System#nanoTime()} based).
 *
 * <p>A failed write is one of three {@link Kind kinds}. Only {@link Kind#WRITE} and {@link Kind#OPEN} say that a server
 * is out of reach; {@link Kind#WAIT} says that the pool was busy (HikariCP times out a few callers a second under this
 * load with no fault at all, its hand-off being unfair), so it is counted but does not delay a recovery.
 *
 * <p>One thread drives it ({@link #start}, {@link #stop}); the live readings may be read from any thread while it
 * runs; {@link #acknowledged()} and {@link #waitTimeouts()} only after {@link #stop()}, when the writers' own records
 * are final.
 */
final class Writers {

    /** No such event yet. */
    static final long NEVER = Long.MIN_VALUE;

    /** What failed. */
    enum Kind {
        /** The insert on a borrowed connection: the server refused it (25006) or the connection was lost (08...). */
        WRITE,
        /** Borrowing: the pool could not open a connection (a connection failure is in the exception's causes). */
        OPEN,
        /** Borrowing: the connection timeout passed with nothing behind it but busy connections. */
        WAIT
    }

    /** One acknowledged insert: the id, when the writer read the acknowledgement, and the server that sent it. */
    record Ack(long id, long at, int serverPort) {
    }

    private static final String INSERT = "insert into writes (id) values (?) returning inet_server_port()";

    private final DataSource dataSource;
    private final int newPrimaryPort;
    private final long origin;
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong firstOutage = new AtomicLong(NEVER);
    private final LongAccumulator lastOutage = new LongAccumulator(Math::max, NEVER);
    private final LongAccumulator lastAckByNewPrimary = new LongAccumulator(Math::max, NEVER);
    private final Map<String, LongAdder> failuresByCause = new ConcurrentHashMap<>();
    private final Map<String, String> firstMessageByCause = new ConcurrentHashMap<>();
    private final List<List<Ack>> acks = new CopyOnWriteArrayList<>();
    private final List<List<Long>> waitTimeouts = new CopyOnWriteArrayList<>();
    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    /**
     * @param newPrimaryPort the standby's port: acknowledgements from it are writes on the new primary
     * @param origin the run's time zero, a {@link System#nanoTime()} reading
     */
    Writers(DataSource dataSource, int newPrimaryPort, long origin) {
        this.dataSource = dataSource;
        this.newPrimaryPort = newPrimaryPort;
        this.origin = origin;
    }

    /** Starts {@code count} writers. */
    void start(int count) {
        for (int i = 0; i < count; i++) {
            List<Ack> ownAcks = new ArrayList<>();
            List<Long> ownWaits = new ArrayList<>();
            acks.add(ownAcks);
            waitTimeouts.add(ownWaits);
            threads.add(Thread.ofVirtual().name("writer-" + i).start(() -> writeUntilStopped(ownAcks, ownWaits)));
        }
    }

    private void writeUntilStopped(List<Ack> ownAcks, List<Long> ownWaits) {
        while (running) {
            long id = nextId.incrementAndGet();
            Connection c;
            try {
                c = dataSource.getConnection();
            } catch (SQLException e) {
                failed(e, connectionFailureBehind(e) ? Kind.OPEN : Kind.WAIT, ownWaits);
                continue;
            } catch (RuntimeException e) {
                unexpected.add(e);
                continue;
            }
            try (c; PreparedStatement insert = c.prepareStatement(INSERT)) {
                insert.setLong(1, id);
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    int port = rs.getInt(1);
                    long at = now();
                    ownAcks.add(new Ack(id, at, port));
                    if (port == newPrimaryPort) {
                        lastAckByNewPrimary.accumulate(at);
                    }
                }
            } catch (SQLException e) {
                failed(e, Kind.WRITE, ownWaits);
            } catch (RuntimeException e) {
                unexpected.add(e);
            }
        }
    }

    private void failed(SQLException e, Kind kind, List<Long> ownWaits) {
        long at = now();
        if (kind == Kind.WAIT) {
            ownWaits.add(at);
        } else {
            firstOutage.compareAndSet(NEVER, at);
            lastOutage.accumulate(at);
        }
        String cause = kind.name().toLowerCase(Locale.ROOT) + " " + e.getSQLState();
        failuresByCause.computeIfAbsent(cause, k -> new LongAdder()).increment();
        firstMessageByCause.putIfAbsent(cause, e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    private static boolean connectionFailureBehind(SQLException e) {
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof SQLException || cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** @return nanoseconds since the run's origin */
    long now() {
        return System.nanoTime() - origin;
    }

    /** @return writes that failed so far, of every kind */
    long failures() {
        return failuresByCause.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** @return failed writes by kind and SQLSTATE ("write 25006", "open 08001", "wait null"), sorted */
    Map<String, Long> failuresByCause() {
        Map<String, Long> sorted = new TreeMap<>();
        failuresByCause.forEach((cause, count) -> sorted.put(cause, count.sum()));
        return sorted;
    }

    /** @return the first failure's exception and message for each kind and SQLSTATE, sorted */
    Map<String, String> firstMessageByCause() {
        return new TreeMap<>(firstMessageByCause);
    }

    /** @return when a server first put a write out of reach ({@link Kind#WRITE} or {@link Kind#OPEN}), or {@link #NEVER} */
    long firstOutage() {
        return firstOutage.get();
    }

    /** @return the last {@link Kind#WRITE} or {@link Kind#OPEN} failure so far, or {@link #NEVER} */
    long lastOutage() {
        return lastOutage.get();
    }

    /**
     * Whether writes have recovered for good: the new primary acknowledged a write after the last {@link Kind#WRITE} or
     * {@link Kind#OPEN} failure and within the last {@code quietNanos}, and there was no such failure in the last
     * {@code quietNanos}.
     */
    boolean steadyOnTheNewPrimary(long quietNanos) {
        long now = now();
        long failed = lastOutage.get();
        long acknowledged = lastAckByNewPrimary.get();
        return acknowledged != NEVER
                && (failed == NEVER || (acknowledged - failed > 0 && now - failed >= quietNanos))
                && now - acknowledged < quietNanos;
    }

    /** @return the exceptions other than {@link SQLException} that writers caught (a pool or driver bug) */
    List<Throwable> unexpected() {
        return List.copyOf(unexpected);
    }

    /** @return every acknowledged write, once {@link #stop()} has returned */
    List<Ack> acknowledged() {
        requireStopped();
        return acks.stream().flatMap(List::stream).toList();
    }

    /** @return when each {@link Kind#WAIT} failure happened, once {@link #stop()} has returned */
    long[] waitTimeouts() {
        requireStopped();
        return waitTimeouts.stream().flatMap(List::stream).mapToLong(Long::longValue).sorted().toArray();
    }

    private void requireStopped() {
        if (running || !threads.isEmpty()) {
            throw new IllegalStateException("the writers are still running: stop() them before reading their records");
        }
    }

    /** Stops the writers and waits for each to finish its write in progress (at most the pool's connection timeout). */
    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join();
        }
        threads.clear();
    }
}
