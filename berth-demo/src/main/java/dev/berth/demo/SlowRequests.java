package dev.berth.demo;

import dev.berth.web.RequestTiming;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The newest slow requests for the dashboard, fed by the middleware's slow-request hook. Wait and hold include
 * the connection time of units of work the request ran on their own (a transfer reports it with
 * {@link dev.berth.web.RequestSession#addConnectionTime}). Thread-safe.
 */
final class SlowRequests {
    static final int KEPT = 20;

    /** One slow request, in the contract's JSON shape (milliseconds). */
    record Entry(long time, String method, String path, int status, double totalMs, double waitMs, double holdMs) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Entry> newestFirst = new ArrayDeque<>(KEPT);

    /** The middleware's {@code onSlowRequest} hook. */
    void record(RequestTiming timing) {
        Entry entry = new Entry(System.currentTimeMillis(), timing.method(), timing.path(), timing.status(),
                timing.total().toNanos() / 1e6, timing.connectionWait().toNanos() / 1e6,
                timing.connectionHold().toNanos() / 1e6);
        lock.lock();
        try {
            if (newestFirst.size() == KEPT) {
                newestFirst.removeLast();
            }
            newestFirst.addFirst(entry);
        } finally {
            lock.unlock();
        }
    }

    /** @return the newest first, at most {@value #KEPT} */
    List<Entry> newestFirst() {
        lock.lock();
        try {
            return new ArrayList<>(newestFirst);
        } finally {
            lock.unlock();
        }
    }
}
