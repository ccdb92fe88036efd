package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The waiting room's policy, driven directly and deterministically: no threads, waiters that record what
 * happened to them.
 */
class WaitQueueTest {
    private final EntryTable<String> table = new EntryTable<>(2, 0);
    private final WaitQueue<String> queue = new WaitQueue<>(table);

    /** A waiter that records wake-ups and hand-overs instead of parking a thread. */
    private static final class Recording extends Waiter {
        final List<String> events = new ArrayList<>();

        Recording(long start) {
            super(start);
        }

        @Override
        void completed(Object value) {
            events.add("served");
        }

        @Override
        void wake() {
            events.add("woken");
        }
    }

    private PooledEntry<String> idleEntry(String resource) {
        PooledEntry<String> entry = new PooledEntry<>(resource, System.nanoTime(), 0, new LatencyHistogram(), new LatencyHistogram());
        table.add(entry);
        entry.setIdle();
        return entry;
    }

    private static long waitedLongAgo() {
        return System.nanoTime() - 50 * WaitQueue.STARVATION_NANOS;
    }

    @Test
    void aHeadThatWaitedLongButWasNeverPassedOverIsWokenNotHandedAnEntry() {
        idleEntry("a");
        Recording head = new Recording(waitedLongAgo());
        queue.add(head);

        queue.signal();

        assertThat(head.events).containsExactly("woken");
        assertThat(queue.fifo()).isFalse();
        assertThat(table.idleCount()).isEqualTo(1);
    }

    @Test
    void aHeadPassedOverAfterWaitingLongGetsTheEntryDirectlyAndNewcomersQueue() {
        idleEntry("a");
        Recording head = new Recording(waitedLongAgo());
        Recording next = new Recording(waitedLongAgo());
        queue.add(head);
        queue.add(next);
        head.missed(); // it ran after a wake-up and running callers had taken everything

        queue.signal();

        assertThat(head.events).containsExactly("served");
        assertThat(head.result()).isInstanceOf(PooledEntry.class);
        assertThat(queue.fifo()).as("still a long-waiting waiter behind it: strictly FIFO").isTrue();
        assertThat(queue.count()).isEqualTo(1);
        assertThat(table.idleCount()).isZero();
    }

    @Test
    void aHeadPassedOverButWaitingBrieflyIsOnlyWoken() {
        idleEntry("a");
        Recording head = new Recording(System.nanoTime());
        queue.add(head);
        head.missed();

        queue.signal();

        assertThat(head.events).containsExactly("woken");
        assertThat(queue.fifo()).isFalse();
    }

    @Test
    void fifoModeEndsWhenTheQueueEmpties() {
        idleEntry("a");
        idleEntry("b");
        Recording head = new Recording(waitedLongAgo());
        queue.add(head);
        head.missed();

        queue.signal();

        assertThat(head.events).containsExactly("served");
        assertThat(queue.fifo()).isFalse();
        assertThat(queue.count()).isZero();
        assertThat(table.idleCount()).isEqualTo(1);
    }
}
