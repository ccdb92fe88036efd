package dev.berth.redis;

import dev.berth.internal.Checks;

import dev.berth.scope.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Configures a {@link Subscription}; get one from {@link RedisPool#subscriber()}. Not thread-safe.
 *
 * {@snippet :
 * Subscription s = redis.subscriber()
 *         .channels("orders")
 *         .patterns("audit.*")
 *         .heartbeat(Duration.ofSeconds(5))
 *         .onEvent(e -> log.info("subscription: {}", e))
 *         .start();
 * }
 */
public final class SubscriptionBuilder {
    private final ConnectionFactory factory;
    private final java.util.Set<Subscription> registry;
    final List<String> channels = new ArrayList<>();
    final List<String> patterns = new ArrayList<>();
    Duration heartbeat = Duration.ofSeconds(5);
    Duration maxBackoff = Duration.ofSeconds(5);
    int capacity = 10_000;
    Consumer<Message> callback;
    Consumer<SubscriptionEvent> events;

    SubscriptionBuilder(ConnectionFactory factory, java.util.Set<Subscription> registry) {
        this.factory = factory;
        this.registry = registry;
    }

    /**
     * @param names channels to subscribe to
     * @return this builder
     */
    public SubscriptionBuilder channels(String... names) {
        channels.addAll(List.of(names));
        return this;
    }

    /**
     * @param globs patterns to subscribe to ({@code PSUBSCRIBE}, for example {@code "audit.*"})
     * @return this builder
     */
    public SubscriptionBuilder patterns(String... globs) {
        patterns.addAll(List.of(globs));
        return this;
    }

    /**
     * How often a PING checks the connection (default 5 s). Without a reply or a message for three
     * heartbeats the connection counts as half-open, and the subscription reconnects.
     *
     * @param interval the heartbeat period
     * @return this builder
     */
    public SubscriptionBuilder heartbeat(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("heartbeat is " + interval + " but must be positive (for example 5 s)");
        }
        this.heartbeat = interval;
        return this;
    }

    /**
     * @param max the cap on the wait between reconnection attempts (default 5 s)
     * @return this builder
     */
    public SubscriptionBuilder maxBackoff(Duration max) {
        this.maxBackoff = Checks.positive("maxBackoff", max);
        return this;
    }

    /**
     * @param messages how many undelivered messages the queue holds before it drops new ones (default 10,000)
     * @return this builder
     */
    public SubscriptionBuilder capacity(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("capacity is " + messages + " but must be at least 1");
        }
        this.capacity = messages;
        return this;
    }

    /**
     * Delivers messages to a callback on the subscription's thread, in order, instead of the queue.
     *
     * @param handler receives each message; its exceptions are logged, not fatal
     * @return this builder
     */
    public SubscriptionBuilder onMessage(Consumer<Message> handler) {
        this.callback = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * @param listener receives connection events (subscribed, lost, back with the gap)
     * @return this builder
     */
    public SubscriptionBuilder onEvent(Consumer<SubscriptionEvent> listener) {
        this.events = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Starts the subscription. It connects in the background; {@link Subscription#isSubscribed()} (or the
     * {@link SubscriptionEvent.Subscribed} event) says when messages flow.
     *
     * @return the running subscription; close it to unsubscribe
     */
    public Subscription start() {
        if (channels.isEmpty() && patterns.isEmpty()) {
            throw new IllegalStateException("a subscription needs at least one channel or pattern; call channels(...) or patterns(...)");
        }
        return new Subscription(factory, this, registry).start();
    }

    /** @return the subscription as a scope: enter starts it, exit closes it */
    public Scope<Subscription> scope() {
        return new Scope<>() {
            private Subscription subscription;

            @Override
            public Subscription enter() {
                subscription = start();
                return subscription;
            }

            @Override
            public boolean exit(Throwable failure) {
                subscription.close();
                return false;
            }
        };
    }

}
