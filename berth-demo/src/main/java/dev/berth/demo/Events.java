package dev.berth.demo;

import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.sse.SseSink;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transfer events, from the Redis channel to every browser connected to {@code GET /api/events}. Each connection's
 * handler (a virtual thread of the web server) waits on a bounded queue of its own, so one slow browser delays
 * nobody: when its queue is full, its newest events are dropped and counted. Thread-safe.
 */
final class Events implements AutoCloseable {
    private static final String CLOSED = new String("closed");   // identity marks the end of a stream
    private static final int QUEUE = 1_000;
    private static final Duration KEEPALIVE = Duration.ofSeconds(15);

    private final Set<BlockingQueue<String>> listeners = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    /** Hands an event (JSON text) to every connected browser; called by the Redis subscription's thread. */
    void deliver(String json) {
        for (BlockingQueue<String> queue : listeners) {
            if (!queue.offer(json)) {
                dropped.incrementAndGet();
            }
        }
    }

    /**
     * Streams events to one browser until it goes away or the server stops. The first thing sent is a comment
     * ({@code : connected}), so that a client that has the response headers is known to be registered.
     */
    void stream(SseSink sink) throws InterruptedException {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
        listeners.add(queue);
        try {
            if (closed) {
                return;
            }
            sink.emit(SseEvent.builder().comment("connected").build());
            while (!closed) {
                String json = queue.poll(KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (json == CLOSED) {
                    return;
                }
                sink.emit(json == null ? SseEvent.builder().comment("keepalive").build()
                        : SseEvent.builder().name("transfer").data(json).build());
            }
        } catch (UncheckedIOException browserWentAway) {
            // the connection closed; nothing to clean but the registration
        } finally {
            listeners.remove(queue);
        }
    }

    /** @return browsers connected now */
    int connected() {
        return listeners.size();
    }

    /** @return events dropped because a browser's queue was full */
    long dropped() {
        return dropped.get();
    }

    /** Ends every stream, so the web server can stop without waiting for browsers. */
    @Override
    public void close() {
        closed = true;
        for (BlockingQueue<String> queue : listeners) {
            queue.clear();
            queue.offer(CLOSED);
        }
    }
}
