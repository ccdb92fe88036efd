package dev.berth.demo;

import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /health}: each pool is UP when it lends a connection that answers (a PostgreSQL connection that is
 * valid within 2 s, a Redis PING) and DOWN with the reason otherwise. The whole is UP when every pool is.
 */
final class Health {
    private final java.util.List<Backends.Opened> databases;
    private final DemoRedis redis;

    Health(java.util.List<Backends.Opened> databases, DemoRedis redis) {
        this.databases = java.util.List.copyOf(databases);
        this.redis = redis;
    }

    /** The answer; {@code status} is "UP" or "DOWN". */
    record Report(String status, Map<String, PoolHealth> pools) {
        boolean up() {
            return status.equals("UP");
        }
    }

    /** One pool's health, with its sizes. */
    record PoolHealth(String status, String kind, int max, int total, int leased, int idle, int waiting, String error) {
    }

    Report check() {
        Map<String, PoolHealth> pools = new LinkedHashMap<>();
        for (Backends.Opened database : databases) {
            pools.put(database.name(), of(database.view(), () -> {
                try (Connection c = database.dataSource().getConnection()) {
                    if (!c.isValid(2)) {
                        throw new IllegalStateException("the connection did not answer within 2 s");
                    }
                }
            }));
        }
        pools.put("redis", of(redis.pool(), redis::ping));
        boolean up = pools.values().stream().allMatch(p -> p.status().equals("UP"));
        return new Report(up ? "UP" : "DOWN", pools);
    }

    private interface Probe {
        void run() throws Exception;
    }

    private static PoolHealth of(PoolView view, Probe probe) {
        String error = null;
        try {
            probe.run();
        } catch (Exception e) {
            error = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(e.toString());
        }
        PoolView.Snapshot s = view.snapshot();
        return new PoolHealth(error == null ? "UP" : "DOWN", s.kind(), s.max(), s.total(), s.leased(), s.idle(), s.waiting(), error);
    }
}
