package dev.berth.redis;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded buffer between a subscription's reader thread and the threads taking its messages. The reader
 * never blocks (Redis would disconnect a slow subscriber): when the buffer is full the message is dropped and
 * counted. Closing wakes every blocked taker. Thread-safe.
 */
final class Inbox {
    /** Put in by close() to wake blocked takers; passed on so that every taker wakes. */
    private static final Message CLOSED = new Message("", null, "");

    private final BlockingQueue<Message> queue;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    Inbox(int capacity) {
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /** Adds a message, or drops and counts it when the buffer is full. */
    void offer(Message message) {
        if (!queue.offer(message)) {
            dropped.incrementAndGet();
        }
    }

    long dropped() {
        return dropped.get();
    }

    void close() {
        closed = true;
        // wakes blocked takers; when the buffer is full no taker is blocked, and they find it closed once drained
        queue.offer(CLOSED);
    }

    /** The next message, waiting for it; {@code null} once closed and drained. */
    Message take() throws InterruptedException {
        Message m = queue.poll();
        if (m == null) {
            if (closed) {
                return null;
            }
            m = queue.take();
        }
        return passOnClosed(m);
    }

    /** The next message within {@code timeout}; {@code null} when none came or the inbox is closed and drained. */
    Message poll(Duration timeout) throws InterruptedException {
        return passOnClosed(queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    private Message passOnClosed(Message m) {
        if (m == CLOSED) {
            queue.offer(CLOSED); // for the next taker
            return null;
        }
        return m;
    }

    /** A blocking iterator: {@code hasNext()} waits, and is {@code false} once closed and drained or interrupted. */
    Iterator<Message> iterator() {
        return new Iterator<>() {
            private Message next;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                try {
                    next = take();
                    return next != null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public Message next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the subscription is closed");
                }
                Message m = next;
                next = null;
                return m;
            }
        };
    }
}
