package dev.berth.bench;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the three benchmark groups of issue 2 side by side (berth, HikariCP, a fair queue) and prints one
 * markdown report with the ratios berth / HikariCP. {@code bin/bench-pool} calls it.
 *
 * <pre>
 * java -jar berth-bench/target/berth-bench.jar [--smoke] [--groups=1,2,3,4]
 * </pre>
 *
 * (1) pool overhead: JMH on 1, 4, 16 platform threads (no-op driver; and on pgjdbc connections through
 * both DataSources, no query), plus 1,000 virtual threads in {@link Harness}; (2) oversubscription: 1,000
 * virtual threads on 10 connections held 100 µs and 1 ms; (3) {@code SELECT 1} on PostgreSQL; (4), only when
 * asked for: {@code SELECT 1} with each session reset (berth's full one, HikariCP's JDBC-only one, DISCARD ALL).
 */
public final class BenchMain {

    /** Options of every benchmark JVM, the same for all contenders; {@code bench.*} properties pass on to them. */
    static final List<String> JVM_ARGS = jvmArgs();

    private static List<String> jvmArgs() {
        List<String> args = new ArrayList<>(List.of("-Xms1g", "-Xmx1g",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "--sun-misc-unsafe-memory-access=allow"));
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("bench."))
                .sorted()
                .forEach(name -> args.add("-D" + name + "=" + System.getProperty(name)));
        return List.copyOf(args);
    }

    private final Settings settings;
    private final Report report = new Report();

    private BenchMain(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.FULL;
        Set<String> groups = new LinkedHashSet<>(List.of("1", "2", "3"));
        for (String arg : args) {
            if (arg.equals("--smoke")) {
                settings = Settings.SMOKE;
            } else if (arg.startsWith("--groups=")) {
                groups = new LinkedHashSet<>(List.of(arg.substring("--groups=".length()).split(",")));
            } else {
                System.err.println("unknown argument \"" + arg + "\"; usage: [--smoke] [--groups=1,2,3,4]");
                System.exit(2);
            }
        }
        BenchMain bench = new BenchMain(settings);
        Instant started = Instant.now();
        bench.report.machine(Machine.describe(), settings == Settings.SMOKE);
        String postgres = Target.POSTGRES.unavailableBecause();
        if (groups.contains("1")) {
            bench.overheadPlatform(Target.NOOP, List.of(1, 4, 16, 200));
            if (postgres == null) {
                bench.overheadPlatform(Target.POSTGRES, List.of(1, 16));
            }
            bench.overheadVirtual();
        }
        if (groups.contains("2")) {
            bench.oversubscribed(100);
            bench.oversubscribed(1000);
        }
        if (groups.contains("3")) {
            if (postgres == null) {
                for (int pool : List.of(10, 20)) {
                    for (int threads : List.of(64, 1000)) {
                        bench.select(pool, threads, false);
                    }
                }
                for (int threads : List.of(16, 200)) {
                    bench.select(10, threads, true); // a servlet container's request threads (Tomcat's default is 200)
                }
            } else {
                bench.report.note("Group (3) skipped: " + postgres);
            }
        }
        if (groups.contains("4")) {
            if (postgres == null) {
                bench.reset(10, 64);
            } else {
                bench.report.note("Group (4) skipped: " + postgres);
            }
        }
        if (postgres != null && groups.contains("1")) {
            bench.report.note("Group (1) on pgjdbc connections skipped: " + postgres);
        }
        bench.report.note("Command: `bin/bench-pool" + (args.length == 0 ? "" : " " + String.join(" ", args)) + "`.");
        bench.report.note("Total time " + Duration.between(started, Instant.now()).toSeconds() + " s.");
        System.out.println();
        System.out.println(bench.report.render());
    }

    // ------------------------------------------------------------------ group (1), platform threads: JMH

    private void overheadPlatform(Target target, List<Integer> threadCounts) throws RunnerException {
        for (int threads : threadCounts) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(PoolOverheadBenchmark.class.getName() + ".getAndClose")
                    .param("target", target.label())
                    .param("poolSize", "10")
                    .threads(threads)
                    .forks(1)
                    .warmupIterations(settings.jmhWarmups())
                    .warmupTime(time(settings.jmhSeconds()))
                    .measurementIterations(settings.jmhMeasures())
                    .measurementTime(time(settings.jmhSeconds()))
                    .jvmArgs(JVM_ARGS.toArray(String[]::new))
                    .addProfiler(GCProfiler.class) // bytes allocated per get + close: a figure the neighbours' load cannot change
                    .shouldFailOnError(true);
            Collection<RunResult> results = new Runner(options.build()).run();
            for (RunResult result : results) {
                String contender = result.getParams().getParam("contender");
                report.overhead(target, threads + " platform", contender,
                        result.getPrimaryResult().getScore(), result.getPrimaryResult().getScoreError());
                Result<?> allocated = result.getSecondaryResults().get("gc.alloc.rate.norm");
                if (allocated != null) {
                    report.allocation(target, threads + " platform", contender, allocated.getScore());
                }
            }
        }
    }

    private static TimeValue time(double seconds) {
        return TimeValue.milliseconds(Math.round(seconds * 1000));
    }

    // ------------------------------------------------------------------ virtual threads: forked Harness runs

    private void overheadVirtual() throws Exception {
        Map<String, Runs> runs = forkRounds("scenario=overhead", "target=noop", "threads=1000", "pool=10",
                "holdMicros=0", "warmup=" + settings.selectWarmupSeconds(), "measure=" + settings.selectMeasureSeconds(),
                "repeats=" + settings.repeats()); // warmup given last, so it overrides the common one
        runs.forEach((contender, r) -> report.overhead(Target.NOOP, "1000 virtual", contender, r.medianOps(), Double.NaN));
        report.activeThreads("(1) on 1,000 virtual threads", runs);
    }

    private void oversubscribed(int holdMicros) throws Exception {
        Map<String, Runs> runs = forkRounds("scenario=oversub", "target=noop", "threads=1000", "pool=10",
                "holdMicros=" + holdMicros, "warmup=" + settings.oversubWarmupSeconds(),
                "measure=" + settings.oversubMeasureSeconds(), "repeats=" + settings.repeats()); // overrides the common warmup
        report.oversubscribed(holdMicros, 1000, 10, runs);
    }

    private void select(int pool, int threads, boolean platform) throws Exception {
        Map<String, Runs> runs = forkRounds("scenario=select", "target=postgres", "threads=" + threads, "pool=" + pool,
                "holdMicros=0", "platform=" + platform, "warmup=" + settings.selectWarmupSeconds(),
                "measure=" + settings.selectMeasureSeconds(),
                "repeats=" + settings.repeats()); // warmup given last, so it overrides the common one
        report.select(pool, threads + (platform ? " platform" : " virtual"), runs);
    }

    /** Group (4): SELECT 1 as in group (3), once per session reset, so its cost shows beside HikariCP's. */
    private void reset(int pool, int threads) throws Exception {
        Map<String, Runs> runs = forkRounds(Contender.RESET_NAMES, "scenario=select", "target=postgres", "threads=" + threads,
                "pool=" + pool, "holdMicros=0", "warmup=" + settings.selectWarmupSeconds(),
                "measure=" + settings.selectMeasureSeconds(), "repeats=" + settings.repeats());
        report.reset(pool, threads, runs);
    }

    private Map<String, Runs> forkRounds(String... args) throws Exception {
        return forkRounds(Contender.NAMES, args);
    }

    /**
     * Runs {@code rounds} forks per contender, rotating the order each round, and gathers their results. In group
     * (2) the forks of {@link TimerFloor} (no pool; reported as {@link Report#FLOOR}) rotate with them.
     */
    private Map<String, Runs> forkRounds(List<String> contenders, String... args) throws Exception {
        List<String> names = new ArrayList<>(contenders);
        if (List.of(args).contains("scenario=oversub")) {
            names.add(Report.FLOOR);
        }
        Map<String, Runs> runs = new LinkedHashMap<>();
        names.forEach(name -> runs.put(name, new Runs()));
        for (int round = 0; round < settings.rounds(); round++) {
            for (int i = 0; i < names.size(); i++) {
                String contender = names.get((i + round) % names.size());
                Class<?> main = contender.equals(Report.FLOOR) ? TimerFloor.class : Harness.class;
                List<String> forkArgs = new ArrayList<>(List.of("contender=" + contender, "warmup=" + settings.warmupSeconds()));
                forkArgs.addAll(List.of(args));
                List<String> command = Fork.command(main, forkArgs);
                System.out.println("# fork: " + contender + " " + String.join(" ", args));
                runs.get(contender).add(fork(command));
            }
        }
        return runs;
    }

    private static Map<String, String> fork(List<String> command) throws IOException, InterruptedException {
        Map<String, String> fields = Fork.run(command);
        System.out.println("#   ops/s " + fields.get("ops") + ", isValid calls on no-op connections " + fields.get("validations")
                + (fields.get("errors").equals("0") ? "" : ", errors " + fields.get("errors")));
        return fields;
    }
}
