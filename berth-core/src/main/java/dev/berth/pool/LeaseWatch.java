package dev.berth.pool;

import java.lang.ref.WeakReference;

/**
 * What an entry keeps of a lease that has been out for at least one scan: a weak reference, so a lease the
 * borrower dropped without closing becomes unreachable and the next scan can tell (the referent goes null), and
 * a copy of its {@link Holder} record, so the thread, start time, state and call site survive for the report.
 *
 * <p>A fresh lease is held strongly by its entry instead: a weak reference per borrow would be an allocation on
 * the hot path (and work for the garbage collector) for leases that almost all come back within microseconds.
 */
final class LeaseWatch extends WeakReference<PooledLease<?>> {
    /**
     * The lease's holder record, copied when the watch was made; its state is refreshed whenever the lease is
     * looked at, so a dropped lease is reported with the state it had when a scan last saw it.
     */
    final Holder copy;

    LeaseWatch(PooledLease<?> lease) {
        super(lease);
        this.copy = new Holder(lease.thread, lease.start, lease.taken);
        copy.state = lease.state;
    }

    /** The holder record to report: the lease itself while it is reachable, the copy once it was dropped. */
    Holder holder() {
        PooledLease<?> lease = get();
        if (lease == null) {
            return copy;
        }
        copy.state = lease.state;
        copy.reportedAsLeak = lease.reportedAsLeak;
        return lease;
    }
}
