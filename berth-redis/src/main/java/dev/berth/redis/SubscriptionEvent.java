package dev.berth.redis;

import java.time.Duration;

/**
 * What happened to a {@link Subscription}'s connection. Delivered in order on the subscription's thread.
 */
public sealed interface SubscriptionEvent {
    /**
     * Every channel and pattern is subscribed for the first time.
     *
     * @param channels how many channels
     * @param patterns how many patterns
     */
    record Subscribed(int channels, int patterns) implements SubscriptionEvent {
    }

    /**
     * The connection was lost (server restart, killed connection, missed heartbeats); berth reconnects with
     * backoff. Messages published from now on until {@link Resubscribed} are lost: Redis pub/sub keeps nothing.
     *
     * @param cause why the connection was given up
     */
    record Disconnected(Throwable cause) implements SubscriptionEvent {
    }

    /**
     * Everything is subscribed again after a loss.
     *
     * @param gap how long the subscription was away: messages published during it were lost
     * @param attempts how many connection attempts it took
     */
    record Resubscribed(Duration gap, int attempts) implements SubscriptionEvent {
    }
}
