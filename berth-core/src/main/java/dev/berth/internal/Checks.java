package dev.berth.internal;

import java.time.Duration;

/**
 * The checks every berth builder makes of a duration setting, with one wording: the error names the setting, the
 * value it got and what it takes, so a bad configuration fails at start and says how to fix it.
 */
public final class Checks {
    private Checks() {
    }

    /** @return {@code value}, when it is set and longer than zero */
    public static Duration positive(String setting, Duration value) {
        if (value == null) {
            throw new NullPointerException(setting + " must not be null");
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " is " + value + " but must be positive");
        }
        return value;
    }

    /** @return {@code value}, when it is set and not negative (zero turns the feature off) */
    public static Duration notNegative(String setting, Duration value) {
        if (value == null) {
            throw new NullPointerException(setting + " must not be null");
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(setting + " is " + value + " but must not be negative (0 turns it off)");
        }
        return value;
    }

    /** The same for a setting given in milliseconds (HikariCP's property style). */
    public static long positiveMillis(String setting, long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException(setting + " is " + millis + " ms but must be positive");
        }
        return millis;
    }

    /** The same for a setting given in milliseconds (HikariCP's property style); zero turns the feature off. */
    public static long notNegativeMillis(String setting, long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException(setting + " is " + millis + " ms but must not be negative (0 turns it off)");
        }
        return millis;
    }
}
