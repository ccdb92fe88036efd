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
    private final WaitQueue<String> queue = new WaitQueue<>(table, entry -> { });

    /** A waiter that records wake-ups and hand-overs instead of parking a thread. */
    private static final class Recording extends Waiter {
        final List<String> events = new ArrayList<>();

        Recording(long start) {
            super(start);
        }

        Recording(long start, long deadline) {
            super(start, deadline);
        }

        @Override
        void expire() {
            events.add("expired");
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

    @Test
    void expireTellsOnlyWaitersPastTheirDeadlineAndReturnsTheEarliestOtherDeadline() {
        long now = System.nanoTime();
        Recording late = new Recording(now - 100, now - 1);
        Recording dueNow = new Recording(now - 100, now);
        Recording soon = new Recording(now, now + 5_000);
        Recording later = new Recording(now, now + 9_000);
        Recording gaveUp = new Recording(now - 100, now - 50);
        gaveUp.cancel();
        for (Recording waiter : List.of(late, dueNow, later, soon, gaveUp)) {
            queue.add(waiter);
        }

        long next = queue.expire(now, 1_000_000);

        assertThat(next).isEqualTo(now + 5_000);
        assertThat(late.events).containsExactly("expired");
        assertThat(dueNow.events).containsExactly("expired");
        assertThat(soon.events).isEmpty();
        assertThat(later.events).isEmpty();
        assertThat(gaveUp.events).isEmpty();
    }

    @Test
    void expireWithNobodyWaitingRestsForTheGivenTime() {
        long now = System.nanoTime();
        Recording served = new Recording(now, now + 10);
        queue.add(served);
        served.complete(new Object());

        assertThat(queue.expire(now, 777)).isEqualTo(now + 777);
        assertThat(queue.expire(now, 5)).as("a rest shorter than every deadline wins").isEqualTo(now + 5);
    }
}
