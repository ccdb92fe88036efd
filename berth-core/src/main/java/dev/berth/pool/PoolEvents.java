package dev.berth.pool;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * berth's Flight Recorder events: with {@code jcmd <pid> JFR.start} a recording shows pool behaviour next
 * to GC and I/O, with no agent. Each event costs one enabled-check when no recording is running.
 */
final class PoolEvents {
    private PoolEvents() {
    }

    static final EventType ACQUIRE_TYPE = EventType.getEventType(Acquire.class);

    @Name("dev.berth.pool.Acquire")
    @Label("Pool Acquire")
    @Category({"berth", "Pool"})
    @Description("A lease was taken from a pool")
    @StackTrace(false)
    static final class Acquire extends Event {
        @Label("Pool") String pool;
        @Label("Wait") @Timespan(Timespan.NANOSECONDS) long waitNanos;
    }

    @Name("dev.berth.pool.LongHold")
    @Label("Long Lease Hold")
    @Category({"berth", "Pool"})
    @Description("A lease was held longer than the slow-lease threshold")
    @StackTrace(false)
    static final class LongHold extends Event {
        @Label("Pool") String pool;
        @Label("Hold") @Timespan(Timespan.NANOSECONDS) long holdNanos;
        @Label("Call Site") String site;
        @Label("State") String state;
    }

    @Name("dev.berth.pool.Leak")
    @Label("Lease Leak")
    @Category({"berth", "Pool"})
    @Description("A lease was held longer than the leak threshold, or dropped without being closed")
    @StackTrace(false)
    static final class Leak extends Event {
        @Label("Pool") String pool;
        @Label("Held") @Timespan(Timespan.NANOSECONDS) long heldNanos;
        @Label("Call Site") String site;
        @Label("Holder") String holder;
        @Label("Dropped") @Description("The lease became unreachable without close()") boolean dropped;
    }

    @Name("dev.berth.pool.Timeout")
    @Label("Acquire Timeout")
    @Category({"berth", "Pool"})
    @Description("An acquire found no free resource in time")
    static final class Timeout extends Event {
        @Label("Pool") String pool;
        @Label("Waited") @Timespan(Timespan.NANOSECONDS) long waitedNanos;
        @Label("Waiting") int waiting;
        @Label("Leased") int leased;
    }

    @Name("dev.berth.pool.Eviction")
    @Label("Resource Eviction")
    @Category({"berth", "Pool"})
    @Description("A pooled resource was destroyed")
    @StackTrace(false)
    static final class Eviction extends Event {
        @Label("Pool") String pool;
        @Label("Reason") String reason;
        @Label("Age") @Timespan(Timespan.NANOSECONDS) long ageNanos;
    }
}
