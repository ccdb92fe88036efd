package dev.berth.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Collects the forks of an overload run ({@link OverloadBenchmark}) and renders them as markdown for docs/benchmarks.md. */
final class OverloadReport {

    /** One fork's outcome: one contender at one load, counted over the arrivals scheduled in the measured window. */
    static final class Run {
        final double rate;
        final double seconds;
        final long arrivals;
        final long inTime;
        final long servedLate;
        final long lateConnection;
        final long shed;
        final long timedOut;
        final long missedStart;
        final long errors;
        final double cores;
        final String loadAverage;
        final Histogram served;
        final Histogram waits;
        final Histogram learnedFailed;
        final Histogram learnedShed;
        final Histogram startLag;

        Run(Map<String, String> f) {
            rate = Double.parseDouble(f.get("rate"));
            seconds = Double.parseDouble(f.get("measure"));
            arrivals = Long.parseLong(f.get("arrivals"));
            inTime = Long.parseLong(f.get("inTime"));
            servedLate = Long.parseLong(f.get("servedLate"));
            lateConnection = Long.parseLong(f.get("lateConnection"));
            shed = Long.parseLong(f.get("shed"));
            timedOut = Long.parseLong(f.get("timedOut"));
            missedStart = Long.parseLong(f.get("missedStart"));
            errors = Long.parseLong(f.get("errors"));
            cores = Double.parseDouble(f.get("cores"));
            loadAverage = f.get("loadAverage");
            served = Harness.decode(f.get("served"));
            waits = Harness.decode(f.get("waits"));
            learnedFailed = Harness.decode(f.get("learnedFailed"));
            learnedShed = Harness.decode(f.get("learnedShed"));
            startLag = Harness.decode(f.get("startLag"));
        }

        double inTimePerSecond() {
            return inTime / seconds;
        }

        String summary() {
            return String.format(Locale.ROOT, "in time %s/s of %s/s offered; served late %d, connection late %d, timed out %d,"
                            + " shed %d (learned in p99 %s ms), missed start %d (start lag p99 %s ms), errors %d;"
                            + " CPU %.2f cores, load average %s",
                    Report.ops(inTimePerSecond()), Report.ops(arrivals / seconds), servedLate, lateConnection, timedOut, shed,
                    ms(learnedShed, 99), missedStart, ms(startLag, 99), errors, cores, loadAverage);
        }
    }

    private String machine = "";
    private boolean smoke;
    private final Map<Target, Double> capacity = new LinkedHashMap<>();
    /** target, then load, then contender. */
    private final Map<Target, Map<Double, Map<String, Run>>> runs = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    void machine(String description, boolean smokeRun) {
        machine = description;
        smoke = smokeRun;
    }

    void capacity(Target target, double perSecond) {
        capacity.put(target, perSecond);
    }

    void add(Target target, double load, String contender, Run run) {
        runs.computeIfAbsent(target, t -> new LinkedHashMap<>()).computeIfAbsent(load, l -> new LinkedHashMap<>()).put(contender, run);
    }

    void note(String text) {
        notes.add(text);
    }

    String render(int pool, int deadlineMs, int holdMicros, int capacityThreads, double warmup, double measure) {
        StringBuilder md = new StringBuilder();
        if (smoke) {
            md.append("**SMOKE RUN (short durations, figures are only indicative)**\n\n");
        }
        md.append("Machine: ").append(machine).append("\n\n");
        runs.forEach((target, byLoad) -> {
            double c = capacity.get(target);
            md.append(String.format(Locale.ROOT, "### Open-loop overload, %s: pool of %d, each caller useful only within %d ms of its arrival%n%n",
                    target == Target.NOOP ? "no-op driver (work: park " + holdMicros / 1000.0 + " ms holding the connection)"
                            : "PostgreSQL (work: `select pg_sleep(" + holdMicros / 1e6 + ")`)", pool, deadlineMs))
              .append(String.format(Locale.ROOT, "Capacity C = %s/s: a closed loop of %d virtual threads doing the same work on a"
                      + " fair queue of the raw connections. Each load is a multiple of C, arrivals at a fixed rate, each on a"
                      + " virtual thread of its own; %s s measured after %s s at the same rate.%n%n", Report.ops(c),
                      capacityThreads, fmt(measure), fmt(warmup)))
              .append("| load | contender | offered/s | in time/s | in time / C | served late | connection late | timed out | shed"
                      + " | failed learned it, ms p50 / p99 | shed learned it, p99 ms | served p99 ms | wait p99.9 ms | start lag p99 ms | CPU cores | errors |\n")
              .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            byLoad.forEach((load, byContender) -> {
                byContender.forEach((name, r) -> md.append(String.format(Locale.ROOT,
                        "| %sx | %s | %s | %s | **%.2f** | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %.2f | %d |%n",
                        fmt(load), OverloadPool.label(name), Report.ops(r.arrivals / r.seconds), Report.ops(r.inTimePerSecond()),
                        r.inTimePerSecond() / c, pct(r.servedLate, r), pct(r.lateConnection, r), pct(r.timedOut, r),
                        pct(r.shed, r), ms(r.learnedFailed, 50), ms(r.learnedFailed, 99), ms(r.learnedShed, 99),
                        ms(r.served, 99), ms(r.waits, 99.9), ms(r.startLag, 99), r.cores, r.errors + r.missedStart)));
                md.append(String.format(Locale.ROOT, "| %sx | in time, berth SHED / HikariCP, / berth FIFO | | | **%s / %s** | | | | | | | | | | | |%n",
                        fmt(load), ratio(byContender, "hikari"), ratio(byContender, "fifo")));
            });
            md.append('\n').append(goals(target, c, byLoad)).append('\n');
        });
        md.append("In time: callers whose work ended within the deadline, counted from their scheduled arrival. Served late:"
                + " got a connection in time but finished after the deadline. Connection late: got one only after the"
                + " deadline (HikariCP, which cannot be given a per-call budget) and gave it back unused. Timed out: the"
                + " acquire timed out (berth: the caller's remaining budget; HikariCP: its 250 ms connectionTimeout). Shed:"
                + " refused at once with PoolOverloadedException. Percentages are of the arrivals. Learned it: from the"
                + " acquire call until the caller knew it had failed. Served p99: arrival to the end of the work, served"
                + " callers only (late ones too). Wait: the acquire call of served callers. Start lag: scheduled arrival"
                + " to the acquire call, the harness's and the machine's share (the errors column also counts callers that"
                + " started after their deadline, which no pool was asked about). CPU cores: what the benchmark JVM used while"
                + " measured; a start lag of more than a few ms means the machine, not the pool, was late, and the row says"
                + " little about the pool.\n\n");
        notes.forEach(n -> md.append(n).append('\n'));
        return md.toString();
    }

    /** The goals of issue 19, each with the figure that meets or misses it. */
    private static String goals(Target target, double c, Map<Double, Map<String, Run>> byLoad) {
        StringBuilder g = new StringBuilder("Goals (issue 19), ").append(target.label()).append(":\n");
        for (double load : List.of(2.0, 4.0)) {
            Map<String, Run> at = byLoad.get(load);
            if (at == null || !at.containsKey("shed")) {
                continue;
            }
            double shed = at.get("shed").inTimePerSecond();
            double hikari = at.containsKey("hikari") ? at.get("hikari").inTimePerSecond() : Double.NaN;
            double fifo = at.containsKey("fifo") ? at.get("fifo").inTimePerSecond() : Double.NaN;
            boolean met = shed >= 0.9 * c && !(shed < 2 * hikari) && !(shed < 2 * fifo);
            g.append(String.format(Locale.ROOT, "- at %sx: berth SHED in time %.2f C (goal >= 0.90), %s HikariCP's, %s FIFO's"
                    + " (goal >= 2x each): %s%s%n", fmt(load), shed / c, ratio(at, "hikari"), ratio(at, "fifo"), met ? "met" : "**missed**",
                    machineLate(at)));
        }
        double worst = 0;
        long shedCount = 0;
        for (Map<String, Run> at : byLoad.values()) {
            Run r = at.get("shed");
            if (r != null && r.shed > 0) {
                worst = Math.max(worst, r.learnedShed.getValueAtPercentile(99) / 1e6);
                shedCount += r.shed;
            }
        }
        if (shedCount > 0) {
            g.append(String.format(Locale.ROOT, "- shed callers learned it within %.2f ms (p99, worst load; goal <= 10 ms): %s%n",
                    worst, worst <= 10 ? "met" : "**missed**"));
        }
        Map<String, Run> light = byLoad.get(0.8);
        if (light != null && light.containsKey("shed")) {
            Run shed = light.get("shed");
            Run fifo = light.get("fifo");
            g.append(String.format(Locale.ROOT, "- at 0.8x: %d shed (goal 0): %s; p99.9 wait %s ms, berth FIFO's %s ms"
                            + " (arrivals at a fixed rate below capacity with a fixed service time queue for no one:"
                            + " the fair ideal is no wait, so FIFO's tail is the bar)%n",
                    shed.shed, shed.shed == 0 ? "met" : "**missed**", ms(shed.waits, 99.9), fifo == null ? "-" : ms(fifo.waits, 99.9)));
        }
        return g.toString();
    }

    /** A warning when some fork at this load started its callers late: then the machine, not the pools, set the figures. */
    private static String machineLate(Map<String, Run> at) {
        double worst = at.values().stream().mapToDouble(r -> r.startLag.getValueAtPercentile(99) / 1e6).max().orElse(0);
        return worst <= 10 ? "" : String.format(Locale.ROOT, " (but start lag p99 reached %.0f ms: the machine was late,"
                + " re-run on a quiet one)", worst);
    }

    private static String ratio(Map<String, Run> at, String other) {
        Run shed = at.get("shed");
        Run peer = at.get(other);
        if (shed == null || peer == null) {
            return "-";
        }
        if (peer.inTime == 0) {
            return shed.inTime == 0 ? "-" : "∞";
        }
        return String.format(Locale.ROOT, "%.1fx", shed.inTimePerSecond() / peer.inTimePerSecond());
    }

    private static String pct(long count, Run r) {
        return r.arrivals == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * count / r.arrivals);
    }

    static String ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        double ms = h.getValueAtPercentile(percentile) / 1e6;
        return String.format(Locale.ROOT, ms < 10 ? "%.2f" : "%.0f", ms);
    }

    static String fmt(double load) {
        return load == Math.rint(load) ? String.valueOf((long) load) : String.valueOf(load);
    }
}
