package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class EntryTableTest {

    private static EntryTable<Integer> table(int entries, int spread) {
        EntryTable<Integer> table = new EntryTable<>(entries, spread);
        for (int i = 0; i < entries; i++) {
            PooledEntry<Integer> entry = new PooledEntry<>(i, System.nanoTime(), 0, new LatencyHistogram(), new LatencyHistogram());
            table.add(entry);
            entry.setIdle();
        }
        return table;
    }

    @Test
    void surplusEntriesBeyondTheCoreAreLentOnlyWhenTheCoreIsBusyLowestFirst() {
        EntryTable<Integer> table = table(6, 4);
        Set<Integer> core = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            core.add(table.claimIdle().resource);
        }
        assertThat(core).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(table.claimIdle().resource).isEqualTo(4);
        assertThat(table.claimIdle().resource).isEqualTo(5);
        assertThat(table.claimIdle()).isNull();
    }

    @Test
    void withoutACoreEntriesAreLentLowestFirstSoASurplusAgesOut() {
        EntryTable<Integer> table = table(5, 0);
        for (int i = 0; i < 5; i++) {
            assertThat(table.claimIdle().resource).isEqualTo(i);
        }
    }

    @Test
    void threadsStartAtDifferentCoreEntries() throws InterruptedException {
        EntryTable<Integer> table = table(10, 10);
        Set<Integer> firstChoices = ConcurrentHashMap.newKeySet();
        for (int t = 0; t < 32; t++) {
            Thread thread = Thread.ofPlatform().start(() -> {
                PooledEntry<Integer> entry = table.claimIdle();
                firstChoices.add(entry.resource);
                entry.setIdle();
            });
            thread.join(); // one at a time: each finds every entry idle and takes its own first choice
        }
        assertThat(firstChoices).hasSizeGreaterThan(3);
    }

    @Test
    void aThreadComesBackToTheEntryItLastFoundNotToItsFirstChoice() {
        EntryTable<Integer> table = table(10, 10);
        PooledEntry<Integer> first = table.claimIdle();
        first.setIdle();
        assertThat(table.claimIdle()).as("the same entry again").isSameAs(first);
        // another thread holds it now: this one moves on, and from then on starts where it found one
        PooledEntry<Integer> moved = table.claimIdle();
        assertThat(moved).isNotSameAs(first);
        first.setIdle();
        moved.setIdle();
        assertThat(table.claimIdle()).as("the entry it moved to, though its first choice is idle").isSameAs(moved);
    }
}
