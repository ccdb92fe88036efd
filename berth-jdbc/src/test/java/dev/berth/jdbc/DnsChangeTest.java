package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.jdbc.Callers.Call;
import dev.berth.jdbc.Callers.Session;
import dev.berth.pool.PoolStats;
import dev.berth.testing.FaultProxy;
import dev.berth.testing.PostgresPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * A database's host name moves to another address, as in a failover by DNS (RDS, Aurora and many managed services;
 * HikariCP issue #1081). berth keeps no address: every connection it opens looks the name up again through the JVM.
 * So nothing moves by itself; {@code evict()} moves the pool at once (borrowed connections finish where they are),
 * {@code maxLifetime} within a lifetime; and when the old address dies after the move, the pool is on the new one after
 * at most one failed call per connection it had there.
 *
 * <p>Injected for real: {@link TestDns} answers {@code db-N.berth.test} from the JDK's resolver SPI and the test
 * moves the name; behind the two addresses, on the same port as in a real DNS change, are two {@link FaultProxy}
 * listeners, 127.0.0.2:P forwarding to the primary of a {@link PostgresPair} the class starts and 127.0.0.3:P to its
 * standby. A connection tells which server it is on by {@code inet_server_port()}. Skipped, with the reason, where no
 * PostgreSQL server binaries are found.
 *
 * <p>The JVM caches a name it looked up ({@code networkaddress.cache.ttl}, 30 s by default), so in production a new
 * connection can reach the old address for up to 30 s after the DNS answer changed. That bound is the JDK's and is
 * documented, not waited for here: berth-jdbc's tests run with {@code -Dsun.net.inetaddr.ttl=0}, and the class checks
 * that the JVM asks {@link TestDns} on every lookup before anything else.
 *
 * <p>Each test runs in about half a second; the class, with its pair, in about 5 s. A pool that waited for borrowers
 * in {@code evict()} would hang rather than fail, hence the timeout.
 */
@Timeout(60)
class DnsChangeTest {

    private static final String OLD_ADDRESS = "127.0.0.2";
    private static final String NEW_ADDRESS = "127.0.0.3";
    private static final int POOL_SIZE = 4;
    private static final int CALLERS = 12;
    private static final int CALLS = 100;
    /** Generous for a new connection on loopback (measured: tens of ms), far below any timeout in play. */
    private static final Duration ON_THE_NEW_ADDRESS_WITHIN = Duration.ofSeconds(1);
    /** evict() only marks connections and starts threads; it waits for no borrower and no socket. */
    private static final Duration EVICT_RETURNS_WITHIN = Duration.ofMillis(200);
    /** Short, so that the lifetime test takes a second; production's default is 30 min. */
    private static final Duration MAX_LIFETIME = Duration.ofSeconds(1);
    private static final AtomicInteger NAMES = new AtomicInteger();

    private static PostgresPair pair;

    private String name;
    private FaultProxy oldAddress;
    private FaultProxy newAddress;
    private BerthDataSource dataSource;
    private Callers callers;

    @BeforeAll
    static void startServers() throws IOException {
        String reason = PostgresPair.unavailableReason();
        if (reason != null) {
            System.err.println("DnsChangeTest skipped: " + reason);
        }
        assumeTrue(reason == null, () -> "DNS change tests skipped: " + reason);
        String cache = TestDns.jvmAsksOnEveryLookup();
        if (cache != null) {
            fail(cache);
        }
        pair = PostgresPair.start();
    }

    @AfterAll
    static void stopServers() {
        if (pair != null) {
            pair.close();
        }
    }

    @BeforeEach
    void nameOnTheOldAddress(TestInfo test) {
        name = "db-" + NAMES.incrementAndGet() + TestDns.DOMAIN;
        startProxiesOnOnePort();
        TestDns.point(name, OLD_ADDRESS);
        dataSource = pool(test).build();
    }

    /** A fixed pool of {@value #POOL_SIZE} on the test's name, with short timeouts; not started. */
    private BerthDataSourceBuilder pool(TestInfo test) {
        return BerthDataSource.builder()
                .jdbcUrl("jdbc:postgresql://" + name + ":" + oldAddress.port() + "/postgres")
                .username(pair.user())
                .poolName("dns-" + method(test))
                .maximumPoolSize(POOL_SIZE)
                .connectionTimeout(5_000).createTimeout(2_000).validationTimeout(1_000);
    }

    @AfterEach
    void stopEverything() {
        if (callers != null) {
            callers.stop();
        }
        if (dataSource != null) {
            dataSource.close();
        }
        if (oldAddress != null) {
            oldAddress.close();
        }
        if (newAddress != null) {
            newAddress.close();
        }
        TestDns.forget(name);
    }

    @Test
    void everyNewConnectionLooksTheNameUpAgain() {
        fillThePool();
        assertThat(TestDns.lookups(name)).as("lookups of %s for the pool's first %d connections", name, POOL_SIZE)
                .isEqualTo(POOL_SIZE);

        dataSource.evict();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> dataSource.stats().created() == 2 * POOL_SIZE && dataSource.stats().idle() == POOL_SIZE);

        assertThat(TestDns.lookups(name)).as("lookups of %s after the pool replaced its %d connections", name, POOL_SIZE)
                .isEqualTo(2 * POOL_SIZE);
    }

    @Test
    void aDnsChangeAloneMovesNoConnection() throws SQLException {
        fillThePool();
        List<Session> before = borrowEveryConnectionAtOnce();
        assertThat(before).extracting(Session::serverPort).containsOnly(oldServer());
        long lookups = TestDns.lookups(name);

        TestDns.point(name, NEW_ADDRESS);
        List<Session> after = borrowEveryConnectionAtOnce();

        assertThat(after).as("the pool's connections after the name moved").extracting(Session::serverPort)
                .containsOnly(oldServer());
        assertThat(after).extracting(Session::pid).containsExactlyInAnyOrderElementsOf(
                before.stream().map(Session::pid).toList());
        assertThat(TestDns.lookups(name)).as("lookups: the pool opened nothing").isEqualTo(lookups);
        assertThat(newAddress.accepted()).as("connections made to the new address").isZero();
    }

    @Test
    void afterEvictTheNextConnectionIsOnTheNewAddress(TestInfo test) throws SQLException {
        fillThePool();
        List<Integer> oldPids = borrowEveryConnectionAtOnce().stream().map(Session::pid).toList();
        TestDns.point(name, NEW_ADDRESS);

        long asked = System.nanoTime();
        dataSource.evict();
        long evicted = System.nanoTime();
        Session next;
        try (Connection c = dataSource.getConnection()) {
            next = Callers.session(c);
        }
        long onTheNewAddress = System.nanoTime();

        assertThat(Duration.ofNanos(evicted - asked)).as("evict() returned").isLessThanOrEqualTo(EVICT_RETURNS_WITHIN);
        assertThat(next.serverPort()).as("the first connection borrowed after evict()").isEqualTo(newServer());
        assertThat(Duration.ofNanos(onTheNewAddress - asked)).as("from evict() to a connection on the new address")
                .isLessThanOrEqualTo(ON_THE_NEW_ADDRESS_WITHIN);
        List<Session> after = borrowEveryConnectionAtOnce();
        assertThat(after).extracting(Session::serverPort).containsOnly(newServer());
        assertThat(after).extracting(Session::pid).doesNotContainAnyElementsOf(oldPids);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> oldAddress.open() == 0);
        System.out.printf("%s: evict() returned in %d us; first connection on the new address %d ms after evict() was"
                        + " called%n", method(test), TimeUnit.NANOSECONDS.toMicros(evicted - asked),
                millis(onTheNewAddress - asked));
    }

    @Test
    void noCallerFailsWhileTheNameMovesAndThePoolIsEvicted(TestInfo test) throws SQLException {
        fillThePool();
        Connection held = dataSource.getConnection();
        held.setAutoCommit(false);
        Session heldBefore = Callers.session(held);
        callers = Callers.start(dataSource, CALLERS);
        callers.awaitCallsOn(oldServer(), CALLS);

        TestDns.point(name, NEW_ADDRESS);
        long asked = System.nanoTime();
        dataSource.evict();
        long evicted = System.nanoTime();
        Session heldAfter = Callers.session(held);
        held.commit();
        held.close();
        callers.awaitCallsOn(newServer(), CALLS);
        callers.stop();

        assertThat(callers.failures).as("calls that failed").isEmpty();
        assertThat(heldBefore.serverPort()).isEqualTo(oldServer());
        assertThat(heldAfter).as("the transaction borrowed before evict() finished in its session on the old address")
                .isEqualTo(heldBefore);
        assertThat(callers.calls).filteredOn(call -> call.asked() - evicted > 0)
                .as("calls that asked for a connection after evict() returned").isNotEmpty()
                .extracting(Call::serverPort).containsOnly(newServer());
        assertThat(Duration.ofNanos(evicted - asked)).as("evict() returned while a connection was borrowed")
                .isLessThanOrEqualTo(EVICT_RETURNS_WITHIN);
        long firstOnNew = callers.firstDoneOn(newServer());
        assertThat(Duration.ofNanos(firstOnNew - asked)).as("from evict() to the first call served by the new address")
                .isLessThanOrEqualTo(ON_THE_NEW_ADDRESS_WITHIN);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> oldAddress.open() == 0);
        assertNothingLeaked();
        System.out.printf("%s: %d calls, none failed; evict() returned in %d us with a connection borrowed; first call"
                        + " served by the new address %d ms after evict()%n", method(test), callers.calls.size(),
                TimeUnit.NANOSECONDS.toMicros(evicted - asked), millis(firstOnNew - asked));
    }

    @Test
    void withoutEvictMaxLifetimeMovesThePool(TestInfo test) {
        dataSource.close();
        dataSource = pool(test).maxLifetime(MAX_LIFETIME.toMillis()).build();
        fillThePool();
        callers = Callers.start(dataSource, CALLERS);
        callers.awaitCallsOn(oldServer(), CALLS);

        TestDns.point(name, NEW_ADDRESS);
        long moved = System.nanoTime();
        await().atMost(MAX_LIFETIME.multipliedBy(5)).pollInterval(Duration.ofMillis(5)).until(() -> oldAddress.open() == 0);
        long retired = System.nanoTime();
        callers.awaitCallsOn(newServer(), CALLS);
        callers.stop();

        assertThat(Duration.ofNanos(retired - moved)).as("from the move until the pool's connections on the old address"
                + " were closed at the end of their lifetime")
                .isLessThanOrEqualTo(MAX_LIFETIME.plus(ON_THE_NEW_ADDRESS_WITHIN));
        assertThat(callers.calls).filteredOn(call -> call.asked() - retired > 0)
                .as("calls that asked for a connection once the old ones were closed").isNotEmpty()
                .extracting(Call::serverPort).containsOnly(newServer());
        assertThat(callers.failures).as("calls that failed").isEmpty();
        assertNothingLeaked();
        System.out.printf("%s: the pool's connections on the old address closed %d ms after the move (maxLifetime %d ms);"
                        + " %d calls, none failed%n", method(test), millis(retired - moved), MAX_LIFETIME.toMillis(),
                callers.calls.size());
    }

    @Test
    void whenTheOldAddressDiesAfterTheNameMovedCallersFailAtMostOncePerConnectionThere(TestInfo test) {
        fillThePool();
        callers = Callers.start(dataSource, CALLERS);
        callers.awaitCallsOn(oldServer(), CALLS);

        TestDns.point(name, NEW_ADDRESS);
        long died = System.nanoTime();
        oldAddress.refuse();
        oldAddress.resetAll();
        callers.awaitCallsOn(newServer(), CALLS);
        callers.stop();

        assertThat(callers.failures).as("failed calls: one at most per connection the pool had on the old address")
                .hasSizeLessThanOrEqualTo(POOL_SIZE)
                .allSatisfy(failure -> assertThat(ConnectionLoss.isLoss(failure.error()))
                        .as("a lost connection: %s", failure.error()).isTrue());
        long firstOnNew = callers.firstDoneOn(newServer());
        assertThat(Duration.ofNanos(firstOnNew - died)).as("from the old address's death to the first call served by"
                + " the new one").isLessThanOrEqualTo(ON_THE_NEW_ADDRESS_WITHIN);
        assertThat(dataSource.fatalErrors().revalidations()).as("pool-wide revalidations for the incident").isEqualTo(1);
        assertNothingLeaked();
        System.out.printf("%s: %d of %d calls failed (%s), longest failed call %d ms; first call served by the new"
                        + " address %d ms after the old one died%n", method(test), callers.failures.size(),
                callers.calls.size() + callers.failures.size(), callers.failuresByState(),
                millis(callers.longestFailure()), millis(firstOnNew - died));
    }

    @Test
    void whenTheOldAddressDiesBeforeTheNameMovesCallersFailFastUntilItMoves(TestInfo test) {
        fillThePool();
        callers = Callers.start(dataSource, CALLERS);
        callers.awaitCallsOn(oldServer(), CALLS);

        long died = System.nanoTime();
        oldAddress.refuse();
        oldAddress.resetAll();
        callers.awaitFailures(POOL_SIZE + CALLERS);
        long moved = System.nanoTime();
        TestDns.point(name, NEW_ADDRESS);
        callers.awaitCallsOn(newServer(), CALLS);
        callers.stop();

        assertThat(callers.failures).as("failed calls").allSatisfy(failure -> assertThat(ConnectionLoss.isLoss(failure.error()))
                .as("a lost connection or a refused connect: %s", failure.error()).isTrue());
        assertThat(Duration.ofNanos(callers.longestFailure())).as("the longest failed call: one refused connection attempt")
                .isLessThanOrEqualTo(ON_THE_NEW_ADDRESS_WITHIN);
        long firstOnNew = callers.firstDoneOn(newServer());
        assertThat(Duration.ofNanos(firstOnNew - moved)).as("from the name's move to the first call served by the new"
                + " address").isLessThanOrEqualTo(ON_THE_NEW_ADDRESS_WITHIN);
        assertThat(callers.failures).filteredOn(failure -> failure.asked() - firstOnNew > 0)
                .as("calls that failed although they began once the new address served").isEmpty();
        assertNothingLeaked();
        System.out.printf("%s: %d calls failed in the %d ms the name pointed at the dead address (%s), longest failed"
                        + " call %d ms; first call served by the new address %d ms after the name moved%n", method(test),
                callers.failures.size(), millis(moved - died), callers.failuresByState(), millis(callers.longestFailure()),
                millis(firstOnNew - moved));
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    /** Two proxies on one port, 127.0.0.2:P to the primary and 127.0.0.3:P to the standby; P is free on both. */
    private void startProxiesOnOnePort() {
        for (int attempt = 1; ; attempt++) {
            oldAddress = FaultProxy.start(new InetSocketAddress(OLD_ADDRESS, 0), "127.0.0.1", pair.primaryPort());
            try {
                newAddress = FaultProxy.start(new InetSocketAddress(NEW_ADDRESS, oldAddress.port()), "127.0.0.1",
                        pair.standbyPort());
                return;
            } catch (UncheckedIOException taken) {
                oldAddress.close();
                oldAddress = null;
                if (attempt == 5) {
                    throw taken;
                }
            }
        }
    }

    /** Starts the pool and waits until its {@value #POOL_SIZE} connections are open. */
    private void fillThePool() {
        dataSource.start();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> dataSource.stats().idle() == POOL_SIZE);
    }

    /** Borrows the pool's {@value #POOL_SIZE} connections together, asks each where it is, and gives them back. */
    private List<Session> borrowEveryConnectionAtOnce() throws SQLException {
        List<Connection> borrowed = new ArrayList<>();
        try {
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < POOL_SIZE; i++) {
                Connection c = dataSource.getConnection();
                borrowed.add(c);
                sessions.add(Callers.session(c));
            }
            return sessions;
        } finally {
            for (Connection c : borrowed) {
                c.close();
            }
        }
    }

    /** @return the port of the server behind the old address: the pair's primary */
    private static int oldServer() {
        return pair.primaryPort();
    }

    /** @return the port of the server behind the new address: the pair's standby */
    private static int newServer() {
        return pair.standbyPort();
    }

    private void assertNothingLeaked() {
        assertThat(callers.unexpected).as("callers failed with something other than an SQLException").isEmpty();
        PoolStats stats = dataSource.stats();
        assertThat(stats.leased()).as("connections still borrowed").isZero();
        assertThat(stats.waiting()).as("callers still waiting").isZero();
        assertThat(stats.total()).isLessThanOrEqualTo(POOL_SIZE);
    }

    private static String method(TestInfo test) {
        return test.getTestMethod().orElseThrow().getName();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
