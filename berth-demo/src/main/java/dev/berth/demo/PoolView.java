package dev.berth.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.pool.PoolReport;
import dev.berth.pool.PoolStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One pool as {@code GET /api/pools} shows it, whichever library runs it: sizes, counters, wait and hold
 * percentiles, and who holds its connections. Implementations read the pool's own statistics; thread-safe.
 */
interface PoolView {

    /** @return the pool's state now */
    Snapshot snapshot();

    /**
     * A pool's state, in the contract's JSON shape. Counters a library does not keep are 0 (HikariCP does not count
     * destroyed connections; neither HikariCP nor JedisPool reports holders or leaks).
     */
    record Snapshot(String name, String kind, int max, int total, int idle, int leased, int waiting, long created,
                    long destroyed, long timeouts, long shed, boolean overloaded, long leaks, @JsonProperty("wait") Latency acquireWait, Latency hold,
                    List<Holder> holders) {
    }

    /** Milliseconds. berth's are cumulative since the pool opened; Micrometer timers' (HikariCP, JedisPool) cover a recent window. */
    record Latency(double p50, double p99, double p999, double max) {
        static final Latency NONE = new Latency(0, 0, 0, 0);

        static Latency of(PoolStats.Percentiles p) {
            return new Latency(ms(p.p50()), ms(p.p99()), ms(p.p999()), ms(p.max()));
        }

        static Latency of(Timer timer) {
            if (timer == null) {
                return NONE;
            }
            HistogramSnapshot snapshot = timer.takeSnapshot();
            double p50 = 0;
            double p99 = 0;
            double p999 = 0;
            for (ValueAtPercentile v : snapshot.percentileValues()) {
                double value = v.value(TimeUnit.MILLISECONDS);
                if (v.percentile() == 0.5) {
                    p50 = value;
                } else if (v.percentile() == 0.99) {
                    p99 = value;
                } else if (v.percentile() == 0.999) {
                    p999 = value;
                }
            }
            return new Latency(p50, p99, p999, snapshot.max(TimeUnit.MILLISECONDS));
        }

        private static double ms(Duration d) {
            return d.toNanos() / 1e6;
        }
    }

    /**
     * One open lease.
     *
     * @param site where it was taken ("taken at") or where its thread is now ("now at"), or {@code null}
     */
    record Holder(String thread, double heldMs, String state, String site) {
        static Holder of(PoolReport.Holding h) {
            return new Holder(h.thread(), h.heldFor().toNanos() / 1e6, h.state(), h.site() == null ? null : h.site().toString());
        }
    }

    /** A berth pool: {@code stats} and (when the pool offers one) {@code report}, plus the leak counters berth-micrometer keeps. */
    static PoolView berth(String name, String kind, Supplier<PoolStats> stats, Supplier<PoolReport> report, MeterRegistry registry) {
        return () -> {
            PoolStats s;
            List<Holder> holders = List.of();
            if (report != null) {
                PoolReport r = report.get();
                s = r.stats();
                holders = r.holders().stream().map(Holder::of).toList();
            } else {
                s = stats.get();
            }
            double leaks = registry.find("berth.pool.leaks").tag("pool", s.name()).counters().stream()
                    .mapToDouble(Counter::count).sum();
            return new Snapshot(name, kind, s.maxSize(), s.total(), s.idle(), s.leased(), s.waiting(), s.created(),
                    s.destroyed(), s.timeouts(), s.shed(), s.overloaded(), (long) leaks, Latency.of(s.acquireWait()), Latency.of(s.hold()), holders);
        };
    }
}
