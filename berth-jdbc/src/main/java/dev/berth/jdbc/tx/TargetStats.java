package dev.berth.jdbc.tx;

import dev.berth.jdbc.BerthDataSource;
import dev.berth.pool.PoolStats;

/**
 * A snapshot of one connection target of a {@link Database}: the primary or a replica.
 *
 * @param name {@code "primary"}, {@code "replica-0"}, {@code "replica-1"}, ...
 * @param healthy whether berth routes to it; a replica that failed to serve is skipped until its recheck time, one
 *     the health check found promoted or lagging until the check finds it fit again
 * @param served transactions and sessions it began
 * @param failures times it could not serve (a connection could not be had or failed on begin) or was taken out by
 *     the health check
 * @param lastFailure why it is unhealthy (the last failure's message, or the health check's reason), else {@code null}
 * @param pool the pool's statistics when the target is a {@link BerthDataSource}, else {@code null}
 */
public record TargetStats(String name, boolean healthy, long served, long failures, String lastFailure, PoolStats pool) {
}
