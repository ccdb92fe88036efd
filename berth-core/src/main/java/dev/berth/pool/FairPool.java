package dev.berth.pool;

import dev.berth.scope.Scope;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Placeholder until the engine lands: every operation fails. */
final class FairPool<R> implements Pool<R> {
    private final PoolConfig config;

    FairPool(PoolConfig config, ResourceFactory<R> factory) {
        this.config = config;
    }

    @Override public Lease<R> acquire() { throw new UnsupportedOperationException("engine not written yet"); }
    @Override public Lease<R> acquire(Duration timeout) { throw new UnsupportedOperationException("engine not written yet"); }
    @Override public CompletableFuture<Lease<R>> acquireAsync() { throw new UnsupportedOperationException("engine not written yet"); }
    @Override public Scope<R> scope() { throw new UnsupportedOperationException("engine not written yet"); }
    @Override public PoolStats stats() { throw new UnsupportedOperationException("engine not written yet"); }
    @Override public PoolConfig config() { return config; }
    @Override public boolean isClosed() { return false; }
    @Override public void close() { }
}
