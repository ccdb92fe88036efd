package dev.berth.redis;

import java.util.List;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/** Runs WATCH, body, EXEC; re-runs after an aborted EXEC with backoff, up to the retry policy's limit. */
final class OptimisticTransaction {
    private OptimisticTransaction() {
    }

    static PipelineResults run(LeasingConnectionProvider connections, List<String> keys, OptimisticRetry retry,
                               WatchBody body) throws Exception {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("an optimistic transaction needs at least one key to WATCH; use RedisPool.transaction for a plain MULTI/EXEC");
        }
        String[] watched = keys.toArray(String[]::new);
        for (int attempt = 1; ; attempt++) {
            PipelineResults results = attempt(connections, watched, attempt, body);
            if (results != null) {
                return results;
            }
            if (attempt >= retry.maxAttempts()) {
                throw new WatchConflictException(keys, attempt);
            }
            Thread.sleep(retry.backoffAfter(attempt));
        }
    }

    /** @return the EXEC replies, or {@code null} when EXEC was aborted by a conflict */
    private static PipelineResults attempt(LeasingConnectionProvider connections, String[] keys, int attempt,
                                           WatchBody body) throws Exception {
        PooledConnection connection = connections.lease(true, "WATCH transaction, attempt " + attempt);
        try {
            Watch watch = new Watch(connection, attempt);
            watch.jedis().watch(keys);
            try {
                body.run(watch);
            } catch (Exception | Error e) {
                Transaction started = watch.transaction();
                if (started != null) {
                    started.discard();
                }
                throw e;
            }
            Transaction transaction = watch.transaction();
            if (transaction == null) {
                return PipelineResults.empty(); // read-only: the lease's reset sends UNWATCH
            }
            List<Object> replies = transaction.exec();
            return replies == null ? null : new PipelineResults(replies);
        } catch (JedisDataException e) {
            throw e;
        } catch (RuntimeException e) {
            connection.setBroken();
            throw e;
        } finally {
            connection.close();
        }
    }
}
