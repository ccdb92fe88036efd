package dev.berth.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The forked runs of one contender in one configuration: every measured interval's throughput, all waits. */
final class Runs {
    final List<Double> opsPerSecond = new ArrayList<>();
    final Histogram waits = new Histogram(3);
    long errors;
    /** Fewest threads that made progress in any one fork (of how many ran). */
    int minActive = Integer.MAX_VALUE;

    void add(Map<String, String> result) {
        Arrays.stream(result.get("ops").split(",")).map(Double::parseDouble).forEach(opsPerSecond::add);
        waits.add(Harness.decode(result.get("hist")));
        errors += Long.parseLong(result.get("errors"));
        minActive = Math.min(minActive, Integer.parseInt(result.get("active")));
    }

    double medianOps() {
        if (opsPerSecond.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = opsPerSecond.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** @return the wait at a percentile, in milliseconds */
    double waitMs(double percentile) {
        return waits.getValueAtPercentile(percentile) / 1e6;
    }

    double maxWaitMs() {
        return waits.getMaxValue() / 1e6;
    }
}
