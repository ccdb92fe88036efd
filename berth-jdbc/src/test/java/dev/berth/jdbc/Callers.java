package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Virtual threads that each borrow a connection for a short read-only transaction of two statements, give it back and
 * start again, recording for every call when it asked for its connection, when it was done, and which server answered
 * ({@code inet_server_port()}), or how it failed. For tests that move or kill a server under callers.
 *
 * <p>Thread-safe: the test thread reads what the callers record while they run.
 */
final class Callers {

    /** A call that worked: when it asked for a connection and when it was done ({@link System#nanoTime()}), and where. */
    record Call(long asked, long done, int serverPort) {
    }

    /** A call that failed, and how. */
    record Failure(long asked, long done, SQLException error) {
    }

    /** One server session: the server's port ({@code inet_server_port()}) and the backend's pid. */
    record Session(int serverPort, int pid) {
    }

    private final BerthDataSource dataSource;
    private final int count;
    final Queue<Call> calls = new ConcurrentLinkedQueue<>();
    final Queue<Failure> failures = new ConcurrentLinkedQueue<>();
    /** Anything but an SQLException, including a connection that answered from two sessions in one borrow. */
    final Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    private final Map<Integer, LongAdder> callsByServer = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    /** Starts {@code count} callers on {@code dataSource}. */
    static Callers start(BerthDataSource dataSource, int count) {
        Callers callers = new Callers(dataSource, count);
        for (int i = 0; i < count; i++) {
            callers.threads.add(Thread.ofVirtual().name("caller-" + i).start(callers::callUntilStopped));
        }
        return callers;
    }

    private Callers(BerthDataSource dataSource, int count) {
        this.dataSource = dataSource;
        this.count = count;
    }

    private void callUntilStopped() {
        while (running) {
            long asked = System.nanoTime();
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                Session first = session(c);
                Session second = session(c);
                c.commit();
                if (!first.equals(second)) {
                    throw new AssertionError("one borrowed connection answered from two sessions: " + first + ", " + second);
                }
                calls.add(new Call(asked, System.nanoTime(), first.serverPort()));
                callsByServer.computeIfAbsent(first.serverPort(), port -> new LongAdder()).increment();
            } catch (SQLException e) {
                failures.add(new Failure(asked, System.nanoTime(), e));
            } catch (RuntimeException | AssertionError e) {
                unexpected.add(e);
            }
        }
    }

    /** @return the session {@code c} talks to */
    static Session session(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select inet_server_port(), pg_backend_pid()")) {
            rs.next();
            return new Session(rs.getInt(1), rs.getInt(2));
        }
    }

    /** Waits (up to 10 s) until {@code calls} more calls than now were answered by the server on {@code serverPort}. */
    void awaitCallsOn(int serverPort, int calls) {
        long start = answeredBy(serverPort);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> answeredBy(serverPort) - start >= calls || !unexpected.isEmpty());
        assertThat(unexpected).as("callers failed with something other than an SQLException").isEmpty();
    }

    /** Waits (up to 10 s) until {@code count} calls failed in all. */
    void awaitFailures(int count) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> failures.size() >= count);
    }

    private long answeredBy(int serverPort) {
        LongAdder answered = callsByServer.get(serverPort);
        return answered == null ? 0 : answered.sum();
    }

    /** @return when the first call answered by the server on {@code serverPort} was done ({@link System#nanoTime()}) */
    long firstDoneOn(int serverPort) {
        return calls.stream().filter(call -> call.serverPort() == serverPort).mapToLong(Call::done)
                .reduce((a, b) -> a - b < 0 ? a : b).orElseThrow();
    }

    /** @return the longest a failed call took, in nanoseconds; 0 when none failed */
    long longestFailure() {
        return failures.stream().mapToLong(failure -> failure.done() - failure.asked()).max().orElse(0);
    }

    /** @return how many calls failed with each SQLSTATE */
    Map<String, Long> failuresByState() {
        Map<String, Long> states = new TreeMap<>();
        failures.forEach(failure -> states.merge(String.valueOf(failure.error().getSQLState()), 1L, Long::sum));
        return states;
    }

    /** Stops the callers and waits (up to 10 s each) for their calls under way to end. */
    void stop() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return count + " callers: " + calls.size() + " calls answered, " + failures.size() + " failed";
    }
}
