package dev.berth.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collects the figures of a run and renders them as the markdown of docs/benchmarks.md. */
final class Report {
    /** The row of group (2) that runs no pool at all ({@link TimerFloor}): what a perfect pool would give. */
    static final String FLOOR = "floor";

    private String machine = "";
    private boolean smoke;
    private final Map<String, Map<String, double[]>> overhead = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> allocation = new LinkedHashMap<>();
    private final List<String> oversubscribed = new ArrayList<>();
    private final List<String> select = new ArrayList<>();
    private final List<String> reset = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void machine(String description, boolean smokeRun) {
        machine = description;
        smoke = smokeRun;
    }

    void note(String text) {
        notes.add(text);
    }

    void overhead(Target target, String threads, String contender, double opsPerSecond, double error) {
        overhead.computeIfAbsent(row(target, threads), k -> new LinkedHashMap<>()).put(contender, new double[] {opsPerSecond, error});
    }

    void activeThreads(String what, Map<String, Runs> runs) {
        StringBuilder line = new StringBuilder(what).append(": threads that made progress while measured (fewest in any fork):");
        runs.forEach((contender, r) -> line.append(' ').append(contender).append(' ').append(r.minActive).append(','));
        line.setLength(line.length() - 1);
        notes.add(line.append('.').toString());
    }

    void allocation(Target target, String threads, String contender, double bytesPerOp) {
        allocation.computeIfAbsent(row(target, threads), k -> new LinkedHashMap<>()).put(contender, bytesPerOp);
    }

    private static String row(Target target, String threads) {
        return (target == Target.NOOP ? "no-op driver" : "pgjdbc, no query") + " | " + threads;
    }

    void oversubscribed(int holdMicros, int threads, int pool, Map<String, Runs> runs) {
        double berth = runs.get("berth").medianOps();
        double hikari = runs.get("hikari").medianOps();
        double queueP999 = runs.get("queue").waitMs(99.9);
        runs.forEach((contender, r) -> {
            double ops = r.medianOps();
            double idealMs = (threads - pool) / ops * 1e3;
            boolean floor = contender.equals(FLOOR);
            oversubscribed.add(String.format(Locale.ROOT,
                    "| %s | %s | %s | %.2f | %.2f | %.2f | %.1f | %.1f | **%.2fx** | %.2fx | %.2fx | %s | %d | %.0f / %.0f / %.0f | %.2f |",
                    hold(holdMicros), floor ? "floor (no pool)" : contender, ops(ops), r.waitMs(50), r.waitMs(99),
                    r.waitMs(99.9), r.maxWaitMs(), idealMs, r.waitMs(99.9) / idealMs, r.maxWaitMs() / idealMs,
                    r.waitMs(99.9) / queueP999, floor ? "-" : String.valueOf(r.minActive), r.errors,
                    r.holdMeanMicros(), r.holdMicros(99.9), r.holdMicros(100),
                    ops / (pool * 1e6 / r.holdMeanMicros())));
        });
        oversubscribed.add(String.format(Locale.ROOT, "| %s | berth / HikariCP | **%.2fx** | | | | | | | | | | | | |",
                hold(holdMicros), berth / hikari));
    }

    void select(int pool, String threads, Map<String, Runs> runs) {
        Runs berth = runs.get("berth");
        Runs hikari = runs.get("hikari");
        Runs queue = runs.get("queue");
        select.add(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | **%.2fx** | %.2f / %.2f / %.2f | %d |",
                pool, threads, ops(berth.medianOps()), ops(hikari.medianOps()), ops(queue.medianOps()),
                berth.medianOps() / hikari.medianOps(), berth.waitMs(99.9), hikari.waitMs(99.9), queue.waitMs(99.9),
                berth.errors + hikari.errors + queue.errors));
    }

    void reset(int pool, int threads, Map<String, Runs> runs) {
        double hikari = runs.get("hikari").medianOps();
        for (String contender : Contender.RESET_NAMES) {
            Runs r = runs.get(contender);
            String what = switch (contender) {
                case "berth" -> "berth, full reset (default)";
                case "berth-jdbcreset" -> "berth, sessionReset=jdbc";
                case "berth-discardall" -> "berth, sessionReset=jdbc + DISCARD ALL by the borrower";
                default -> "HikariCP";
            };
            reset.add(String.format(Locale.ROOT, "| %d | %d | %s | %s | %.2fx | %.2f | %d |", pool, threads, what,
                    ops(r.medianOps()), r.medianOps() / hikari, r.waitMs(99.9), r.errors));
        }
    }

    String render() {
        StringBuilder md = new StringBuilder();
        if (smoke) {
            md.append("**SMOKE RUN (short durations, figures are only indicative)**\n\n");
        }
        md.append("Machine: ").append(machine).append("\n\n");
        if (!overhead.isEmpty()) {
            md.append("### (1) Pool overhead: get + close, pool of 10, ops/s\n\n")
              .append("| connections | threads | berth | HikariCP | fair queue | berth / HikariCP |\n")
              .append("|---|---|---:|---:|---:|---:|\n");
            overhead.forEach((row, byContender) -> {
                double[] b = byContender.getOrDefault("berth", new double[] {Double.NaN, Double.NaN});
                double[] h = byContender.getOrDefault("hikari", new double[] {Double.NaN, Double.NaN});
                double[] q = byContender.getOrDefault("queue", new double[] {Double.NaN, Double.NaN});
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | **%.2fx** |%n",
                        row, withError(b), withError(h), withError(q), b[0] / h[0]));
            });
            md.append('\n');
        }
        if (!allocation.isEmpty()) {
            md.append("Bytes allocated per get + close (JMH's GC profiler, same runs):\n\n")
              .append("| connections | threads | berth | HikariCP | fair queue |\n")
              .append("|---|---|---:|---:|---:|\n");
            allocation.forEach((row, byContender) -> md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", row,
                    bytes(byContender.get("berth")), bytes(byContender.get("hikari")), bytes(byContender.get("queue")))));
            md.append('\n');
        }
        if (!oversubscribed.isEmpty()) {
            md.append("### (2) Oversubscription: 1,000 virtual threads, pool of 10, connection held (parked)\n\n")
              .append("Waits in ms. Fair ideal = (threads - pool) / throughput: what every caller waits in a perfectly fair queue"
                      + " at a steady rate. Threads served: threads that got a connection at least once while measured"
                      + " (fewest in any fork, of 1,000). Hold as parked: how long the holder's `parkNanos(hold)` really"
                      + " lasted (µs, mean / p99.9 / max; the JDK's timer and the machine, measured alike for every contender)."
                      + " Of ceiling: throughput divided by pool / mean hold as parked, the most any pool could do with"
                      + " these holds. Floor (no pool): 10 threads only park in a loop, and each wait is the span of"
                      + " 990 of their completions, what a strictly FIFO queue with a free hand-off would give with the"
                      + " holds this machine delivers (`TimerFloor`).\n\n")
              .append("| hold | contender | ops/s | p50 | p99 | p99.9 | max | fair ideal | p99.9 / ideal | max / ideal | p99.9 / queue's | threads served | errors | hold as parked | of ceiling |\n")
              .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            oversubscribed.forEach(line -> md.append(line).append('\n'));
            md.append('\n');
        }
        if (!select.isEmpty()) {
            md.append("### (3) `SELECT 1` on PostgreSQL, virtual and platform threads, ops/s\n\n")
              .append("| pool | threads | berth | HikariCP | fair queue | berth / HikariCP | p99.9 wait ms (berth / HikariCP / queue) | errors |\n")
              .append("|---:|---|---:|---:|---:|---:|---|---:|\n");
            select.forEach(line -> md.append(line).append('\n'));
            md.append('\n');
        }
        if (!reset.isEmpty()) {
            md.append("### (4) `SELECT 1` on PostgreSQL with each session reset, virtual threads, ops/s\n\n")
              .append("Every borrow runs a statement, so every return of berth's default resets the whole session (one"
                      + " more round trip); HikariCP restores only what changed through JDBC.\n\n")
              .append("| pool | threads | reset | ops/s | / HikariCP | p99.9 wait ms | errors |\n")
              .append("|---:|---:|---|---:|---:|---:|---:|\n");
            reset.forEach(line -> md.append(line).append('\n'));
            md.append('\n');
        }
        notes.forEach(n -> md.append(n).append('\n'));
        return md.toString();
    }

    private static String bytes(Double perOp) {
        return perOp == null ? "-" : String.format(Locale.ROOT, "%.0f B", perOp);
    }

    private static String hold(int micros) {
        return micros >= 1000 ? (micros / 1000) + " ms" : micros + " µs";
    }

    private static String withError(double[] scoreAndError) {
        String score = ops(scoreAndError[0]);
        if (Double.isNaN(scoreAndError[1]) || Double.isNaN(scoreAndError[0])) {
            return score;
        }
        return score + " ± " + ops(scoreAndError[1]);
    }

    static String ops(double opsPerSecond) {
        if (Double.isNaN(opsPerSecond)) {
            return "-";
        }
        if (opsPerSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", opsPerSecond / 1e6);
        }
        if (opsPerSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", opsPerSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", opsPerSecond);
    }
}
