package dev.berth.redis;

import redis.clients.jedis.Pipeline;

/**
 * A non-transactional pipeline as a scope: enter leases a connection and returns a Jedis {@link Pipeline};
 * exit sends everything queued in one write, reads every reply and returns the connection. When the body
 * fails, nothing more is sent and the connection is destroyed (its buffer may hold half a pipeline).
 */
final class PipelineScope extends LeasedBatchScope<Pipeline> {
    private PipelineResults results;

    PipelineScope(LeasingConnectionProvider connections) {
        super(connections, "pipeline", "pipeline");
    }

    @Override
    Pipeline open(PooledConnection connection) {
        return new Pipeline(connection, false);
    }

    @Override
    void complete(Pipeline pipeline) {
        results = new PipelineResults(pipeline.syncAndReturnAll());
    }

    @Override
    void abandon(Pipeline pipeline, PooledConnection connection) {
        connection.setBroken();
    }

    /** @return the replies, once the scope exited normally */
    PipelineResults results() {
        if (results == null) {
            throw new IllegalStateException("the pipeline has not completed; results exist after the scope exits normally");
        }
        return results;
    }
}
