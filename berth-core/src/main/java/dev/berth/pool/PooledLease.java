package dev.berth.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A lease on one {@link PooledEntry}; the first {@link #close()} gives the entry back to its pool. It is also its
 * own {@link Holder} record, so a borrow allocates this one object.
 */
final class PooledLease<R> extends Holder implements Lease<R> {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(PooledLease.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FairPool<R> pool;
    final PooledEntry<R> entry;
    @SuppressWarnings("unused") // accessed through CLOSED
    private volatile boolean closed;
    private volatile boolean broken;
    /** Written before the CAS that closes the lease, so whoever reads {@link #closed} true sees it: no fence of its own. */
    private long end;

    PooledLease(FairPool<R> pool, PooledEntry<R> entry, long start, Throwable taken) {
        super(Thread.currentThread(), start, taken);
        this.pool = pool;
        this.entry = entry;
    }

    @Override
    public R get() {
        if (closed) {
            throw new IllegalStateException("this lease from pool '" + pool.config().name()
                    + "' is closed and its resource may already serve another caller; acquire a new lease");
        }
        return entry.resource;
    }

    @Override
    public void markBroken() {
        broken = true;
    }

    boolean broken() {
        return broken;
    }

    @Override
    public void state(String state) {
        this.state = state;
    }

    @Override
    public Duration heldFor() {
        long stop = closed && end != 0 ? end : System.nanoTime();
        return Duration.ofNanos(stop - start);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return; // a second close must not move the end
        }
        long now = System.nanoTime();
        end = now; // concurrent closes may both write it, with about the same time; one wins the CAS
        if (CLOSED.compareAndSet(this, false, true)) {
            pool.release(this, now);
        }
    }

    @Override
    public String toString() {
        return "Lease{pool=" + pool.config().name() + ", held=" + PoolStats.fmt(heldFor())
                + ", holder=" + thread.getName() + (state != null ? ", state=" + state : "")
                + (closed ? ", closed" : "") + '}';
    }
}
