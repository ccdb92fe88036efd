package dev.berth.bench.failover;

import static org.awaitility.Awaitility.await;

import dev.berth.testing.PostgresPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One contender through one switchover, on a fresh {@link PostgresPair} (synchronous replication, so that every
 * acknowledged commit is on the standby when it is promoted): warm-up under the write load, the scenario's fault, the
 * first write the fault made fail, the promotion, then either writes that keep succeeding on the new primary for the
 * quiet window, or the cap. At the end, every acknowledged id is looked up on the new primary.
 */
final class Switchover {

    static final int WRITERS = 50;
    static final Duration WARMUP = Duration.ofSeconds(3);
    /** Writes must go on this long with no outage failure (see {@link Writers.Kind}) for the run to count as recovered. */
    static final Duration QUIET = Duration.ofSeconds(3);
    /** The fault should make a write fail within this; if none does, the standby is promoted all the same. */
    private static final Duration FIRST_FAILURE_BOUND = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(5);

    private final Scenario scenario;
    private final Contender contender;
    private final int run;
    private final Duration cap;

    /** @param cap how long after the promotion a contender may take to recover before the run is cut short */
    Switchover(Scenario scenario, Contender contender, int run, Duration cap) {
        this.scenario = scenario;
        this.contender = contender;
        this.run = run;
        this.cap = cap;
    }

    Outcome run() throws Exception {
        try (PostgresPair pair = PostgresPair.start(PostgresPair.Replication.SYNCHRONOUS)) {
            String serverVersion;
            try (Connection primary = pair.primaryConnection(); Statement s = primary.createStatement()) {
                s.execute("create table writes (id bigint primary key)");
                try (ResultSet rs = s.executeQuery("show server_version")) {
                    rs.next();
                    serverVersion = rs.getString(1);
                }
            }
            DataSource dataSource = contender.open(pair.multiHostJdbcUrl(), pair.user(),
                    "failover-" + scenario.option() + "-" + contender.name().toLowerCase(Locale.ROOT) + "-" + run);
            try {
                return drive(pair, dataSource, serverVersion);
            } finally {
                ((AutoCloseable) dataSource).close();
            }
        }
    }

    private Outcome drive(PostgresPair pair, DataSource dataSource, String serverVersion) throws Exception {
        Writers writers = new Writers(dataSource, pair.standbyPort(), System.nanoTime());
        long faultStarted;
        long promotionRequested;
        long promoted;
        boolean recovered;
        long ended;
        writers.start(WRITERS);
        try {
            Thread.sleep(WARMUP);
            if (writers.firstOutage() != Writers.NEVER) {
                throw new IllegalStateException(contender.label() + " failed writes during the " + WARMUP.toSeconds()
                        + " s warm-up, before any fault (" + writers.failuresByCause() + ": " + writers.firstMessageByCause()
                        + "); the pair or the machine is not healthy, so the run would measure nothing");
            }
            faultStarted = writers.now();
            scenario.fault(pair);
            within(FIRST_FAILURE_BOUND, () -> writers.firstOutage() != Writers.NEVER);
            promotionRequested = writers.now();
            pair.promoteStandby();
            promoted = writers.now();
            recovered = within(cap, () -> writers.steadyOnTheNewPrimary(QUIET.toNanos()));
            ended = writers.now();
        } finally {
            writers.stop();
        }
        return outcome(pair, writers, faultStarted, promotionRequested, promoted, recovered, ended, serverVersion);
    }

    private Outcome outcome(PostgresPair pair, Writers writers, long faultStarted, long promotionRequested, long promoted,
                            boolean recovered, long ended, String serverVersion) throws SQLException {
        List<Writers.Ack> acks = writers.acknowledged();
        int newPrimary = pair.standbyPort();
        long firstOutage = writers.firstOutage();
        long lastOutage = writers.lastOutage();
        long firstAfterLastOutage = acks.stream()
                .filter(ack -> ack.serverPort() == newPrimary && (lastOutage == Writers.NEVER || ack.at() - lastOutage > 0))
                .mapToLong(Writers.Ack::at).min().orElse(Writers.NEVER);
        boolean steady = recovered && firstAfterLastOutage != Writers.NEVER;
        long recovery = steady ? firstAfterLastOutage : Writers.NEVER;
        long firstOnNewPrimary = acks.stream().filter(ack -> ack.serverPort() == newPrimary)
                .mapToLong(Writers.Ack::at).min().orElse(Writers.NEVER);
        long switchoverFrom = firstOutage == Writers.NEVER ? faultStarted : firstOutage;
        long switchoverTo = steady ? recovery : ended;
        long[] waits = writers.waitTimeouts();
        long waitsInside = Arrays.stream(waits).filter(at -> at - switchoverFrom >= 0 && switchoverTo - at > 0).count();
        long outageFailures = writers.failures() - waits.length;
        BitSet present = idsOn(pair);
        long lost = acks.stream().filter(ack -> !present.get(Math.toIntExact(ack.id()))).count();
        return new Outcome(scenario, contender, run, faultStarted, promotionRequested, promoted,
                firstOutage, lastOutage, recovery, firstOnNewPrimary, ended, steady,
                outageFailures + waitsInside, waits.length - waitsInside, writers.failuresByCause(), writers.firstMessageByCause(),
                acks.size(), acks.stream().filter(ack -> faultStarted - ack.at() > 0).count(),
                acks.stream().filter(ack -> ack.serverPort() == newPrimary).count(), lost,
                longestSilence(acks, faultStarted, ended), writers.unexpected().size(), serverVersion);
    }

    /** The ids on the new primary (the promoted standby), each id a bit. */
    private static BitSet idsOn(PostgresPair pair) throws SQLException {
        BitSet ids = new BitSet();
        try (Connection newPrimary = pair.standbyConnection(); Statement s = newPrimary.createStatement();
             ResultSet rs = s.executeQuery("select id from writes")) {
            while (rs.next()) {
                ids.set(Math.toIntExact(rs.getLong(1)));
            }
        }
        return ids;
    }

    /** The longest stretch between {@code from} and {@code to} in which no server acknowledged a write. */
    private static long longestSilence(List<Writers.Ack> acks, long from, long to) {
        long[] times = acks.stream().mapToLong(Writers.Ack::at).filter(at -> at - from > 0 && to - at > 0).sorted().toArray();
        long longest = 0;
        long previous = from;
        for (long at : times) {
            longest = Math.max(longest, at - previous);
            previous = at;
        }
        return Math.max(longest, to - previous);
    }

    /** Polls {@code condition} until it holds (true) or {@code bound} has passed (false). */
    private static boolean within(Duration bound, BooleanSupplier condition) {
        try {
            await().atMost(bound).pollInterval(POLL).pollDelay(Duration.ZERO).until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }
}
