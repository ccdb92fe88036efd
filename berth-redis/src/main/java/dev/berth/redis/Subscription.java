package dev.berth.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A supervised pub/sub subscription on a dedicated connection (not one of the pool's). When the connection
 * is lost (a Redis restart, {@code CLIENT KILL}, or a half-open link caught by missing heartbeat replies),
 * it reconnects with capped exponential backoff and subscribes to every channel and pattern again.
 * Messages published while it was away are lost, as always with Redis pub/sub; berth says so with a
 * {@link SubscriptionEvent.Disconnected} and a {@link SubscriptionEvent.Resubscribed} event carrying the gap,
 * and counts the gaps ({@link #gaps()}).
 *
 * {@snippet :
 * try (Subscription orders = redis.subscriber().channels("orders").patterns("audit.*").start()) {
 *     for (Message m : orders) {            // blocks for the next message; cheap on a virtual thread
 *         handle(m.channel(), m.payload()); // the loop ends when the subscription is closed
 *     }
 * }
 * }
 *
 * <p>With a callback ({@link SubscriptionBuilder#onMessage}) messages go to it instead of the queue, on the
 * subscription's own thread, in order. Thread-safe: {@link #take()}, {@link #poll} and the counters may be
 * used from any thread; {@link #close()} is idempotent and returns once the subscription's threads ended.
 */
public final class Subscription implements AutoCloseable, Iterable<Message> {
    private static final System.Logger LOG = System.getLogger(Subscription.class.getName());

    private final ConnectionFactory factory;
    private final JedisClientConfig config;
    private final List<String> channels;
    private final List<String> patterns;
    private final Duration heartbeat;
    private final Duration maxBackoff;
    private final Consumer<Message> callback;
    private final Consumer<SubscriptionEvent> events;
    private final Inbox inbox;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ReentrantLock writes = new ReentrantLock();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final Thread reader;
    private final Thread heartbeats;
    private volatile PooledConnection connection;
    private volatile Listener listener;
    private volatile boolean subscribed;
    // written and read by the reader thread only
    private long lostAtNanos = -1;
    private int attempts;
    private boolean everSubscribed;

    private final java.util.Set<Subscription> registry;

    Subscription(ConnectionFactory factory, SubscriptionBuilder b, java.util.Set<Subscription> registry) {
        this.factory = factory;
        this.registry = registry;
        long readTimeout = b.heartbeat.multipliedBy(3).toMillis();
        this.config = redis.clients.jedis.DefaultJedisClientConfig.builder().from(factory.config())
                .blockingSocketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, readTimeout)).build();
        this.channels = List.copyOf(new java.util.LinkedHashSet<>(b.channels));
        this.patterns = List.copyOf(new java.util.LinkedHashSet<>(b.patterns));
        this.heartbeat = b.heartbeat;
        this.maxBackoff = b.maxBackoff;
        this.callback = b.callback;
        this.events = b.events;
        this.inbox = new Inbox(b.capacity);
        this.reader = Thread.ofVirtual().name("berth-redis-subscriber " + channels + patterns).unstarted(this::run);
        this.heartbeats = Thread.ofVirtual().name("berth-redis-heartbeat " + channels + patterns).unstarted(this::beat);
    }

    /** Starts the threads once construction is complete (not from the constructor: no this-escape). */
    Subscription start() {
        registry.add(this);
        reader.start();
        heartbeats.start();
        return this;
    }

    /**
     * Waits for the next message (queue mode only).
     *
     * @return the next message
     * @throws InterruptedException when the waiting thread is interrupted
     * @throws IllegalStateException when a callback receives the messages, or the subscription is closed and
     *     every buffered message was taken
     */
    public Message take() throws InterruptedException {
        requireQueueMode();
        Message m = inbox.take();
        if (m == null) {
            throw new IllegalStateException("the subscription to " + channels + patterns + " is closed");
        }
        return m;
    }

    /**
     * Waits up to {@code timeout} for the next message (queue mode only).
     *
     * @param timeout the longest wait
     * @return the next message, or {@code null} when none came in time or the subscription is closed
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public Message poll(Duration timeout) throws InterruptedException {
        requireQueueMode();
        return inbox.poll(timeout);
    }

    /**
     * A blocking iterator over the messages (queue mode only): {@code hasNext()} waits for the next message and
     * returns {@code false} once the subscription is closed and its buffered messages are taken, or when the
     * iterating thread is interrupted (its interrupt status is kept). For one thread at a time.
     *
     * @return an iterator that waits for messages
     */
    @Override
    public java.util.Iterator<Message> iterator() {
        requireQueueMode();
        return inbox.iterator();
    }

    /** @return whether the subscription is live now (every channel and pattern confirmed by the server) */
    public boolean isSubscribed() {
        return subscribed;
    }

    /** @return messages received since the start */
    public long received() {
        return received.get();
    }

    /** @return messages dropped because the queue was full (the reader does not block Redis) */
    public long dropped() {
        return inbox.dropped();
    }

    /** @return how many times the connection was lost and restored: each is a gap in which messages were lost */
    public long gaps() {
        return gaps.get();
    }

    /** @return connection attempts after a loss, successful or not */
    public long reconnects() {
        return reconnects.get();
    }

    /**
     * Unsubscribes by closing the dedicated connection and waits for the subscription's threads to end. Closing
     * the {@link RedisPool} closes its subscriptions too.
     */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closed.countDown();
        registry.remove(this);
        inbox.close();
        PooledConnection c = connection;
        if (c != null) {
            c.destroy();
        }
        reader.interrupt();
        heartbeats.interrupt();
        try {
            reader.join();
            heartbeats.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Subscription{channels=" + channels + ", patterns=" + patterns + ", subscribed=" + subscribed
                + ", received=" + received + ", gaps=" + gaps + ", server=" + factory.url() + '}';
    }

    private void requireQueueMode() {
        if (callback != null) {
            throw new IllegalStateException("this subscription delivers messages to its onMessage callback; take/poll work only without one");
        }
    }

    private boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** The reader: connect, subscribe, read until the connection fails, back off, again; until closed. */
    private void run() {
        while (!isClosed()) {
            PooledConnection c = null;
            try {
                c = factory.connect(config);
                connection = c;
                if (isClosed()) {
                    break;
                }
                Listener l = new Listener();
                listener = l;
                if (!channels.isEmpty()) {
                    l.proceed(c, channels.toArray(String[]::new));
                } else {
                    l.proceedWithPatterns(c, patterns.toArray(String[]::new));
                }
            } catch (RuntimeException e) {
                // anything else the reader hits (Jedis errors, a protocol surprise) is a lost connection too:
                // the subscription must keep supervising, never die quietly
                if (isClosed()) {
                    break;
                }
                lost(e);
            } finally {
                subscribed = false;
                listener = null;
                if (c != null) {
                    c.destroy();
                }
            }
            if (!isClosed()) {
                backOff();
            }
        }
    }

    private void lost(Exception cause) {
        if (lostAtNanos < 0 && everSubscribed) {
            lostAtNanos = System.nanoTime();
            LOG.log(System.Logger.Level.WARNING, () -> "Redis subscription " + channels + patterns + " on " + factory.url()
                    + " lost its connection (" + cause + "); reconnecting. Messages published until it is back are lost.");
            emit(new SubscriptionEvent.Disconnected(cause));
        }
    }

    private void backOff() {
        attempts++;
        reconnects.incrementAndGet();
        long ceiling = Math.min(maxBackoff.toNanos(), Duration.ofMillis(10).toNanos() << Math.min(attempts - 1, 20));
        try {
            closed.await(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // close() interrupts; the loop checks isClosed()
        }
    }

    /** Heartbeats: a PING on the subscribed connection; its PONG (or any message) keeps the read alive. */
    private void beat() {
        try {
            while (!closed.await(heartbeat.toNanos(), TimeUnit.NANOSECONDS)) {
                Listener l = listener;
                if (l != null && subscribed) {
                    writes.lock();
                    try {
                        l.ping();
                    } catch (JedisException e) {
                        // the reader sees the broken connection and reconnects
                    } finally {
                        writes.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    private void emit(SubscriptionEvent event) {
        if (events == null) {
            return;
        }
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "subscription event listener failed on " + event, e);
        }
    }

    private void deliver(Message message) {
        received.incrementAndGet();
        if (callback != null) {
            try {
                callback.accept(message);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "subscription callback failed on a message from " + message.channel(), e);
            }
        } else {
            inbox.offer(message);
        }
    }

    /** Called on the reader thread when the server confirmed the n-th subscription of this connection. */
    private void confirmed(Listener l, int count) {
        if (count == channels.size() && !patterns.isEmpty() && !channels.isEmpty() && !l.patternsSent) {
            l.patternsSent = true;
            writes.lock();
            try {
                l.psubscribe(patterns.toArray(String[]::new));
            } finally {
                writes.unlock();
            }
            return;
        }
        if (count < channels.size() + patterns.size()) {
            return;
        }
        subscribed = true;
        int tries = attempts;
        attempts = 0;
        if (!everSubscribed) {
            everSubscribed = true;
            emit(new SubscriptionEvent.Subscribed(channels.size(), patterns.size()));
        } else if (lostAtNanos >= 0) {
            Duration gap = Duration.ofNanos(System.nanoTime() - lostAtNanos);
            lostAtNanos = -1;
            gaps.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, () -> "Redis subscription " + channels + patterns + " is back after " + gap);
            emit(new SubscriptionEvent.Resubscribed(gap, tries));
        }
    }

    private final class Listener extends JedisPubSub {
        private boolean patternsSent;

        @Override
        public void onMessage(String channel, String message) {
            deliver(new Message(channel, null, message));
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            deliver(new Message(channel, pattern, message));
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            confirmed(this, subscribedChannels);
        }

        @Override
        public void onPSubscribe(String pattern, int subscribedChannels) {
            confirmed(this, subscribedChannels);
        }
    }
}
