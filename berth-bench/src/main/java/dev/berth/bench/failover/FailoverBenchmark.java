package dev.berth.bench.failover;

import dev.berth.bench.Machine;
import dev.berth.testing.PostgresPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Write downtime through a PostgreSQL switchover, berth's {@code BerthDataSource} against HikariCP 7.1.0 (issue 16).
 * Each contender in turn, each run on a fresh {@link PostgresPair}: {@value Switchover#WRITERS} virtual threads insert
 * unique ids in autocommit through a pool of 10 on the pair's multi-host URL; after a warm-up the primary is fenced
 * read-only or crashed, and the standby promoted. Prints a markdown table per scenario with the ratio. Run by
 * {@code bin/bench-failover}.
 *
 * <p>Write downtime: from the first write that failed for want of a server (an outage failure: the insert failed on
 * its connection, or the pool could not open one; not a wait on a busy pool) to the first write the new primary
 * acknowledged after the last outage failure, the run then going on {@link Switchover#QUIET} with none. A contender
 * that has not got there {@code --cap-seconds} after the promotion is "not within" the cap; its downtime is at least
 * the first outage failure to the end of the run.
 *
 * <p>Usage: {@code FailoverBenchmark [--runs N] [--scenarios readonly,crash] [--cap-seconds 60]}
 */
public final class FailoverBenchmark {

    private FailoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 1;
        Set<Scenario> scenarios = new LinkedHashSet<>(List.of(Scenario.READONLY, Scenario.CRASH));
        int capSeconds = 60;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : (i + 1 < args.length ? args[++i] : "");
                switch (name) {
                    case "--runs" -> runs = positive(name, value);
                    case "--cap-seconds" -> capSeconds = positive(name, value);
                    case "--scenarios" -> {
                        scenarios = new LinkedHashSet<>();
                        for (String option : value.split(",")) {
                            scenarios.add(Scenario.byOption(option.trim()));
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option \"" + arg + "\"");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "; usage: bin/bench-failover [--runs N] [--scenarios readonly,crash] [--cap-seconds 60]");
            System.exit(2);
        }
        String unavailable = PostgresPair.unavailableReason();
        if (unavailable != null) {
            System.err.println("bench-failover cannot start a primary/standby pair here: " + unavailable);
            System.exit(1);
        }
        run(runs, scenarios, Duration.ofSeconds(capSeconds), args);
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message
        }
        throw new IllegalArgumentException(option + " takes a whole number above 0, not \"" + value + "\"");
    }

    private static void run(int runs, Set<Scenario> scenarios, Duration cap, String[] args) throws Exception {
        Instant started = Instant.now();
        String machine = Machine.describe();
        System.out.printf(Locale.ROOT, "# write downtime through a switchover: %s, %d run(s), cap %d s after the promotion%n",
                String.join(", ", scenarios.stream().map(Scenario::option).toList()), runs, cap.toSeconds());
        List<Outcome> outcomes = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            for (Scenario scenario : scenarios) {
                for (Contender contender : Contender.values()) {
                    System.out.printf(Locale.ROOT, "# %s, %s, run %d: starting a pair%n", scenario.title(), contender.label(), run);
                    Outcome outcome = new Switchover(scenario, contender, run, cap).run();
                    outcomes.add(outcome);
                    System.out.println("# " + Tables.details(outcome));
                    outcome.firstMessageByCause().forEach((cause, message) ->
                            System.out.println("#   first failure \"" + cause + "\": " + message));
                }
            }
        }
        System.out.println();
        System.out.println("Machine: " + machine + "; load average " + Machine.loadAverage() + " at the end");
        System.out.println();
        System.out.println(Tables.setup(outcomes.getFirst().serverVersion(), cap));
        for (Scenario scenario : scenarios) {
            System.out.println(Tables.scenario(scenario, outcomes.stream().filter(o -> o.scenario() == scenario).toList(), cap));
        }
        System.out.println("Command: `bin/bench-failover" + (args.length == 0 ? "" : " " + String.join(" ", args)) + "`.");
        System.out.println("Total time " + Duration.between(started, Instant.now()).toSeconds() + " s.");
    }
}
