package dev.berth.redis;

import dev.berth.scope.Scope;
import java.util.List;
import redis.clients.jedis.Pipeline;

/**
 * A non-transactional pipeline as a scope: enter leases a connection and returns a Jedis {@link Pipeline};
 * exit sends everything queued in one write, reads every reply and returns the connection. When the body
 * fails, nothing more is sent and the connection is destroyed (its buffer may hold half a pipeline).
 */
final class PipelineScope implements Scope<Pipeline> {
    private final LeasingConnectionProvider connections;
    private PooledConnection connection;
    private Pipeline pipeline;
    private PipelineResults results;

    PipelineScope(LeasingConnectionProvider connections) {
        this.connections = connections;
    }

    @Override
    public Pipeline enter() {
        if (connection != null) {
            throw new IllegalStateException("this pipeline scope was already entered; ask RedisPool.pipeline() for a new one");
        }
        connection = connections.lease(false, "pipeline");
        pipeline = new Pipeline(connection, false);
        return pipeline;
    }

    @Override
    public boolean exit(Throwable failure) {
        try {
            if (failure == null) {
                List<Object> replies = pipeline.syncAndReturnAll();
                results = new PipelineResults(replies);
            } else {
                connection.setBroken();
            }
        } catch (RuntimeException e) {
            connection.setBroken();
            throw e;
        } finally {
            connection.close();
        }
        return false;
    }

    /** @return the replies, once the scope exited normally */
    PipelineResults results() {
        if (results == null) {
            throw new IllegalStateException("the pipeline has not completed; results exist after the scope exits normally");
        }
        return results;
    }
}
