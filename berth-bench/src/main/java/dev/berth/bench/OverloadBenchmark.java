package dev.berth.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Goodput under overload (issue 19), side by side in one run: berth with {@link dev.berth.pool.OverloadPolicy#SHED},
 * berth with strict FIFO, and HikariCP 7.1.0, on a pool of 10 under an open-loop load of 0.8, 1.2, 2 and 4 times the
 * capacity C. Each caller is useful only if its work (holding a connection 2 ms) ends within 200 ms of its arrival.
 * {@code bin/bench-overload} calls it; every measurement is a fork of {@link OpenLoop}.
 *
 * <pre>
 * java -cp berth-bench.jar dev.berth.bench.OverloadBenchmark [--smoke] [--targets=noop,postgres] [--loads=0.8,1.2,2,4]
 * </pre>
 *
 * For each target: C first (a closed loop on a fair queue of the raw connections), then each load with the three
 * contenders taking turns, the order rotated from one load to the next.
 */
public final class OverloadBenchmark {

    static final int POOL = 10;
    static final int DEADLINE_MS = 200;
    static final int HOLD_MICROS = 2000;
    static final int CAPACITY_THREADS = 100;

    /**
     * How long each part runs.
     *
     * @param capacityWarmup seconds of closed loop before C is measured
     * @param capacityMeasure seconds C is measured over
     * @param warmup seconds of arrivals at a load before counting: JIT, and the move into overload (berth's detection
     *               takes 100 ms intervals; the first second of overload is not the steady state)
     * @param measure seconds of arrivals counted at each load
     */
    record Durations(double capacityWarmup, double capacityMeasure, double warmup, double measure) {
        static final Durations FULL = new Durations(2, 4, 3, 10);
        static final Durations SMOKE = new Durations(0.5, 1, 0.5, 1.5);
    }

    private OverloadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Durations durations = Durations.FULL;
        List<Target> targets = List.of(Target.NOOP, Target.POSTGRES);
        List<Double> loads = List.of(0.8, 1.2, 2.0, 4.0);
        for (String arg : args) {
            if (arg.equals("--smoke")) {
                durations = Durations.SMOKE;
            } else if (arg.startsWith("--targets=")) {
                targets = Arrays.stream(arg.substring("--targets=".length()).split(",")).map(Target::of).toList();
            } else if (arg.startsWith("--loads=")) {
                loads = Arrays.stream(arg.substring("--loads=".length()).split(",")).map(Double::parseDouble).toList();
            } else {
                System.err.println("unknown argument \"" + arg + "\"; usage: [--smoke] [--targets=noop,postgres] [--loads=0.8,1.2,2,4]");
                System.exit(2);
            }
        }
        Instant started = Instant.now();
        OverloadReport report = new OverloadReport();
        report.machine(Machine.describe(), durations == Durations.SMOKE);
        for (Target target : targets) {
            String unavailable = target == Target.NOOP ? null : target.unavailableBecause();
            if (unavailable != null) {
                report.note(target.label() + " skipped: " + unavailable);
                continue;
            }
            double capacity = capacity(target, durations);
            report.capacity(target, capacity);
            for (int k = 0; k < loads.size(); k++) {
                double load = loads.get(k);
                for (int i = 0; i < OverloadPool.NAMES.size(); i++) {
                    String contender = OverloadPool.NAMES.get((i + k) % OverloadPool.NAMES.size());
                    OverloadReport.Run run = new OverloadReport.Run(fork("mode=open", "contender=" + contender,
                            "target=" + target.label(), "pool=" + POOL, "deadlineMs=" + DEADLINE_MS, "holdMicros=" + HOLD_MICROS,
                            String.format(Locale.ROOT, "rate=%.1f", load * capacity), "load=" + OverloadReport.fmt(load),
                            "warmup=" + durations.warmup(), "measure=" + durations.measure()));
                    System.out.println("#   " + run.summary());
                    report.add(target, load, contender, run);
                }
            }
        }
        report.note("Command: `bin/bench-overload" + (args.length == 0 ? "" : " " + String.join(" ", args)) + "`.");
        report.note("Total time " + Duration.between(started, Instant.now()).toSeconds() + " s.");
        System.out.println();
        System.out.println(report.render(POOL, DEADLINE_MS, HOLD_MICROS, CAPACITY_THREADS, durations.warmup(), durations.measure()));
    }

    private static double capacity(Target target, Durations durations) throws Exception {
        Map<String, String> result = fork("mode=capacity", "target=" + target.label(), "pool=" + POOL,
                "threads=" + CAPACITY_THREADS, "holdMicros=" + HOLD_MICROS, "warmup=" + durations.capacityWarmup(),
                "measure=" + durations.capacityMeasure());
        double perSecond = Double.parseDouble(result.get("ops"));
        System.out.println("#   capacity C = " + Report.ops(perSecond) + "/s");
        return perSecond;
    }

    private static Map<String, String> fork(String... args) throws Exception {
        System.out.println("# fork: " + String.join(" ", args));
        return Fork.run(Fork.command(OpenLoop.class, new ArrayList<>(List.of(args))));
    }
}
