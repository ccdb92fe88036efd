package dev.berth.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The forked runs of one contender in one configuration: every measured interval's throughput, all waits and, in
 * group (2), how long every hold's park really lasted.
 */
final class Runs {
    final List<Double> opsPerSecond = new ArrayList<>();
    final Histogram waits = new Histogram(3);
    final Histogram holds = new Histogram(3);
    long errors;
    /** Fewest threads that made progress in any one fork (of how many ran). */
    int minActive = Integer.MAX_VALUE;

    void add(Map<String, String> result) {
        Arrays.stream(result.get("ops").split(",")).map(Double::parseDouble).forEach(opsPerSecond::add);
        waits.add(Harness.decode(result.get("hist")));
        if (result.containsKey("holds")) {
            holds.add(Harness.decode(result.get("holds")));
        }
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

    /** @return how long a hold's park lasted on average, in microseconds */
    double holdMeanMicros() {
        return holds.getMean() / 1e3;
    }

    /** @return how long a hold's park lasted at a percentile (100 for the longest), in microseconds */
    double holdMicros(double percentile) {
        return (percentile >= 100 ? holds.getMaxValue() : holds.getValueAtPercentile(percentile)) / 1e3;
    }
}
