package dev.berth.bench.failover;

import dev.berth.testing.PostgresPair;
import java.io.IOException;
import java.sql.SQLException;

/** What happens to the primary before the standby is promoted in its place. */
enum Scenario {

    /** An operator's switchover: the primary is fenced read-only (writes get SQLSTATE 25006), then the standby promoted. */
    READONLY("readonly", "read-only switchover", "`makePrimaryReadOnly()` (`default_transaction_read_only = on`, reload), then `promoteStandby()`") {
        @Override
        void fault(PostgresPair pair) throws SQLException {
            pair.makePrimaryReadOnly();
        }
    },

    /** A crash: the primary's processes end at once (`pg_ctl stop -m immediate`, sockets closed), then the standby promoted. */
    CRASH("crash", "primary crash", "`stopPrimaryImmediately()` (`pg_ctl stop -m immediate`), then `promoteStandby()`") {
        @Override
        void fault(PostgresPair pair) throws IOException {
            pair.stopPrimaryImmediately();
        }
    };

    private final String option;
    private final String title;
    private final String how;

    Scenario(String option, String title, String how) {
        this.option = option;
        this.title = title;
        this.how = how;
    }

    /** Does to the pair's primary what the scenario says; returns once it is done. */
    abstract void fault(PostgresPair pair) throws IOException, SQLException;

    /** @return the name {@code --scenarios} takes */
    String option() {
        return option;
    }

    /** @return the scenario's name in the report */
    String title() {
        return title;
    }

    /** @return what is done to the pair, for the report */
    String how() {
        return how;
    }

    /** @return the scenario named {@code option} in {@code --scenarios} */
    static Scenario byOption(String option) {
        for (Scenario scenario : values()) {
            if (scenario.option.equals(option)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException("unknown scenario \"" + option + "\"; --scenarios takes readonly, crash or both (readonly,crash)");
    }
}
