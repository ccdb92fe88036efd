package dev.berth.pool;

/**
 * What a pool does when callers arrive faster than it can serve them for longer than a moment (a standing queue).
 * Set with {@link PoolConfig.Builder#overloadPolicy}; the default is {@link #SHED}.
 *
 * <p>A pool tells a burst from overload the way CoDel does for network queues: it is overloaded while the shortest
 * wait of the callers it served over an interval of 100 ms stays above 5 ms (the queue never emptied), and not as soon
 * as one caller is served at once. While callers wait, the pool measures how long its leases are held, so it knows the
 * rate at which it serves them and can tell a newcomer how long it would wait.
 * {@snippet :
 * PoolConfig config = PoolConfig.builder()
 *         .name("orders-db")
 *         .overloadPolicy(OverloadPolicy.SHED)   // the default
 *         .build();
 * }
 */
public enum OverloadPolicy {
    /**
     * While the queue stands, a caller that would finish only after its remaining budget (its acquire timeout, or the
     * {@link RequestDeadline} it runs under, whichever is sooner) is refused at once with a
     * {@link PoolOverloadedException} that says the pool's rate, the queue and the expected wait, instead of waiting
     * its whole timeout for nothing. The expected finish is the time to serve the callers ahead of it and its own
     * lease, from the cycle of a resource (lend to lend) measured while callers waited, and it must leave a tenth of the
     * budget to spare. Callers that can be served in time queue in FIFO order
     * as usual, so a burst is served fairly and nothing is refused while the pool keeps up. Nothing is refused either
     * while the pool holds fewer resources than its maximum (it is filling up, or rebuilding after a fault) or while
     * creations fail: the shortage is then the fault's, and a timeout explains it.
     */
    SHED,
    /** Never refuse early: every caller waits in FIFO order up to its timeout, as a pool without overload control. */
    FIFO
}
