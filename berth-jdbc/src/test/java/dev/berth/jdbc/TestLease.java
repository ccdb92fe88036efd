package dev.berth.jdbc;

import dev.berth.pool.Lease;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** A lease without a pool, to test the connection wrapper on its own: records what the wrapper did to it. */
final class TestLease implements Lease<PhysicalConnection> {

    private final PhysicalConnection resource;
    final AtomicInteger closes = new AtomicInteger();
    volatile boolean broken;

    TestLease(PhysicalConnection resource) {
        this.resource = resource;
    }

    @Override
    public PhysicalConnection get() {
        if (closes.get() > 0) {
            throw new IllegalStateException("lease closed");
        }
        return resource;
    }

    @Override
    public void markBroken() {
        broken = true;
    }

    @Override
    public void state(String state) {
    }

    @Override
    public Duration heldFor() {
        return Duration.ZERO;
    }

    @Override
    public boolean isClosed() {
        return closes.get() > 0;
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
