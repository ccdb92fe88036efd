package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/** Pub/sub against a private redis-server that the tests restart, kill connections of, and freeze. */
class SubscriptionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private PrivateRedis server;
    private RedisPool redis;

    @BeforeEach
    void start() throws Exception {
        server = PrivateRedis.launch();
        redis = RedisPool.open(server.url());
    }

    @AfterEach
    void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void publish(String channel, String message) {
        try (Jedis admin = server.admin()) {
            admin.publish(channel, message);
        }
    }

    @Test
    void channelMessagesArriveInOrderThroughTheBlockingIterator() throws Exception {
        try (Subscription s = redis.subscriber().channels("orders").start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            publish("orders", "1");
            publish("orders", "2");
            assertThat(s.take()).isEqualTo(new Message("orders", null, "1"));
            assertThat(s.take()).isEqualTo(new Message("orders", null, "2"));
            assertThat(s.received()).isEqualTo(2);
        }
    }

    @Test
    void aForLoopOverTheSubscriptionEndsWhenItIsClosed() throws Exception {
        Subscription s = redis.subscriber().channels("orders").start();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.Future<?> loop = threads.submit(() -> {
                for (Message m : s) {
                    seen.add(m.payload());
                }
            });
            await().atMost(WAIT).until(s::isSubscribed);
            publish("orders", "a");
            publish("orders", "b");
            await().atMost(WAIT).until(() -> seen.size() == 2);
            s.close();
            loop.get(10, TimeUnit.SECONDS);
        }
        assertThat(seen).containsExactly("a", "b");
        assertThatThrownBy(s::take).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(s.poll(Duration.ofMillis(1))).isNull();
    }

    @Test
    void aFullBufferDropsAndCountsNewMessagesInsteadOfBlockingTheReader() throws Exception {
        try (Subscription s = redis.subscriber().channels("orders").capacity(1).start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            publish("orders", "kept");
            publish("orders", "dropped-1");
            publish("orders", "dropped-2");
            await().atMost(WAIT).until(() -> s.received() == 3);
            assertThat(s.dropped()).isEqualTo(2);
            assertThat(s.take().payload()).isEqualTo("kept");
        }
    }

    @Test
    void channelsAndPatternsAreSubscribedTogether() throws Exception {
        try (Subscription s = redis.subscriber().channels("orders").patterns("audit.*").start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            publish("audit.login", "alice");
            publish("orders", "o-1");
            assertThat(s.take()).isEqualTo(new Message("audit.login", "audit.*", "alice"));
            assertThat(s.take()).isEqualTo(new Message("orders", null, "o-1"));
        }
    }

    @Test
    void aCallbackReceivesMessagesInsteadOfTheQueue() throws Exception {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        try (Subscription s = redis.subscriber().patterns("news.*").onMessage(got::add).start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            publish("news.sport", "goal");
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(new Message("news.sport", "news.*", "goal"));
            assertThatThrownBy(s::take).isInstanceOf(IllegalStateException.class).hasMessageContaining("callback");
        }
    }

    @Test
    void afterARedisRestartItResubscribesAndTheNextMessageArrives() throws Exception {
        List<SubscriptionEvent> events = new CopyOnWriteArrayList<>();
        try (Subscription s = redis.subscriber().channels("orders").maxBackoff(Duration.ofMillis(200))
                .onEvent(events::add).start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            server.restart();
            await().atMost(WAIT).until(() -> s.gaps() == 1 && s.isSubscribed());
            publish("orders", "after restart");
            assertThat(s.poll(WAIT)).isEqualTo(new Message("orders", null, "after restart"));
            assertThat(events).hasSize(3);
            assertThat(events.get(0)).isInstanceOf(SubscriptionEvent.Subscribed.class);
            assertThat(events.get(1)).isInstanceOf(SubscriptionEvent.Disconnected.class);
            assertThat(events.get(2)).isInstanceOfSatisfying(SubscriptionEvent.Resubscribed.class,
                    e -> assertThat(e.gap()).isPositive());
        }
    }

    @Test
    void afterClientKillItResubscribesAndTheNextMessageArrives() throws Exception {
        try (Subscription s = redis.subscriber().channels("orders").patterns("audit.*")
                .maxBackoff(Duration.ofMillis(200)).start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            try (Jedis admin = server.admin()) {
                assertThat(admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB))).isEqualTo(1);
            }
            await().atMost(WAIT).until(() -> s.gaps() == 1 && s.isSubscribed());
            publish("audit.x", "back");
            assertThat(s.poll(WAIT)).isEqualTo(new Message("audit.x", "audit.*", "back"));
        }
    }

    @Test
    void aHalfOpenConnectionIsCaughtByTheHeartbeat() throws Exception {
        List<SubscriptionEvent> events = new CopyOnWriteArrayList<>();
        try (Subscription s = redis.subscriber().channels("orders").heartbeat(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(200)).onEvent(events::add).start()) {
            await().atMost(WAIT).until(s::isSubscribed);
            server.freeze(); // the socket stays open, nothing answers: only the heartbeat can tell
            try {
                await().atMost(WAIT).until(() -> events.stream().anyMatch(SubscriptionEvent.Disconnected.class::isInstance));
            } finally {
                server.thaw();
            }
            await().atMost(WAIT).until(() -> s.gaps() == 1 && s.isSubscribed());
            publish("orders", "after freeze");
            assertThat(s.poll(WAIT)).isEqualTo(new Message("orders", null, "after freeze"));
        }
    }

    @Test
    void closingThePoolClosesItsSubscriptions() {
        Subscription s = redis.subscriber().channels("orders").start();
        await().atMost(WAIT).until(s::isSubscribed);
        redis.close();
        assertThat(s.isSubscribed()).isFalse();
        try (Jedis admin = server.admin()) {
            await().atMost(WAIT).until(() -> admin.pubsubNumSub("orders").get("orders") == 0L);
        }
    }

    @Test
    void closingUnsubscribesOnTheServer() {
        Subscription s = redis.subscriber().channels("orders").start();
        await().atMost(WAIT).until(s::isSubscribed);
        s.close();
        try (Jedis admin = server.admin()) {
            await().atMost(WAIT).until(() -> admin.pubsubNumSub("orders").get("orders") == 0L);
        }
        assertThat(s.isSubscribed()).isFalse();
    }
}
