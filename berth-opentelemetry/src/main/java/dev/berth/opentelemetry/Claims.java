package dev.berth.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps one open {@link PoolTelemetry} per pool name and {@link OpenTelemetry} instance. Two would report the same
 * attributes from two callbacks, which the SDK resolves by keeping one value and logging a warning, and would
 * mix two pools' durations in one series; instead the second is refused. Neither side is held strongly: a
 * forgotten {@code OpenTelemetry} or {@code PoolTelemetry} makes room when it is garbage-collected.
 */
final class Claims {
    private Claims() {
    }

    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Guarded by {@link #LOCK}. */
    private static final Map<OpenTelemetry, Map<String, WeakReference<PoolTelemetry>>> OPEN = new WeakHashMap<>();

    static void claim(OpenTelemetry openTelemetry, String pool, PoolTelemetry telemetry) {
        LOCK.lock();
        try {
            Map<String, WeakReference<PoolTelemetry>> pools = OPEN.computeIfAbsent(openTelemetry, o -> new HashMap<>());
            WeakReference<PoolTelemetry> existing = pools.get(pool);
            PoolTelemetry other = existing == null ? null : existing.get();
            if (other != null && other.isOpen()) {
                throw new IllegalStateException("pool '" + pool + "' is already reported to this OpenTelemetry by another"
                        + " PoolTelemetry that is still open; close that one (telemetry.close()) when its pool closes, or"
                        + " give this pool a name of its own (db.client.connection.pool.name must be unique in the application)");
            }
            pools.put(pool, new WeakReference<>(telemetry));
        } finally {
            LOCK.unlock();
        }
    }

    static void release(OpenTelemetry openTelemetry, String pool, PoolTelemetry telemetry) {
        LOCK.lock();
        try {
            Map<String, WeakReference<PoolTelemetry>> pools = OPEN.get(openTelemetry);
            if (pools != null && pools.get(pool) != null && pools.get(pool).get() == telemetry) {
                pools.remove(pool);
            }
        } finally {
            LOCK.unlock();
        }
    }
}
