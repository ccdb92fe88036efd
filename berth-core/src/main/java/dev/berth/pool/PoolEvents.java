package dev.berth.pool;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.SettingControl;
import jdk.jfr.SettingDefinition;
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
    @Description("A lease was taken from a pool after waiting at least the minimum wait (setting minWait, "
            + "default 10 ms; 0 ns records every acquire)")
    @StackTrace(false)
    static final class Acquire extends Event {
        @Label("Pool") String pool;
        @Label("Wait") @Timespan(Timespan.NANOSECONDS) long waitNanos;

        @Name("minWait")
        @Label("Minimum Wait")
        @Description("Only acquires that waited at least this long are recorded")
        @SettingDefinition
        @SuppressWarnings("unused") // called by Flight Recorder on commit
        boolean minWait(MinWait setting) {
            return waitNanos >= setting.nanos;
        }
    }

    /**
     * The {@code minWait} setting of {@link Acquire}, like the {@code threshold} of a duration event: a pool lent
     * millions of times a second would otherwise write an event per acquire into every recording. With several
     * recordings the smallest value wins. Values as in a .jfc file: {@code "10 ms"}, {@code "0 ns"}, {@code "1 s"}.
     */
    static final class MinWait extends SettingControl {
        static final String DEFAULT = "10 ms";
        private String text = DEFAULT;
        volatile long nanos = parse(DEFAULT);

        @Override
        public String combine(Set<String> values) {
            String smallest = null;
            long least = Long.MAX_VALUE;
            for (String value : values) {
                long n = parse(value);
                if (n >= 0 && n < least) {
                    least = n;
                    smallest = value;
                }
            }
            return smallest == null ? DEFAULT : smallest;
        }

        @Override
        public void setValue(String value) {
            long n = parse(value);
            if (n >= 0) {
                text = value;
                nanos = n;
            }
        }

        @Override
        public String getValue() {
            return text;
        }

        /** A duration such as "10 ms" or "0 ns" in nanoseconds, or -1 when it is not one. */
        static long parse(String value) {
            if (value == null) {
                return -1;
            }
            String v = value.strip();
            int i = 0;
            while (i < v.length() && Character.isDigit(v.charAt(i))) {
                i++;
            }
            if (i == 0) {
                return -1;
            }
            long amount;
            try {
                amount = Long.parseLong(v.substring(0, i));
            } catch (NumberFormatException e) {
                return -1;
            }
            TimeUnit unit = switch (v.substring(i).strip()) {
                case "ns" -> TimeUnit.NANOSECONDS;
                case "us" -> TimeUnit.MICROSECONDS;
                case "ms" -> TimeUnit.MILLISECONDS;
                case "s" -> TimeUnit.SECONDS;
                case "m" -> TimeUnit.MINUTES;
                case "h" -> TimeUnit.HOURS;
                case "d" -> TimeUnit.DAYS;
                default -> null;
            };
            return unit == null ? -1 : unit.toNanos(amount);
        }
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
