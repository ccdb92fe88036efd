package dev.berth.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.executors.CommandExecutor;

/**
 * Jedis's command executor for {@link RedisPool#client()}: single commands from many threads are combined
 * into pipelines. Each caller queues its command on a lane; the first caller to find the lane free becomes
 * the combiner: it leases one pooled connection, writes every queued command in one write, reads all
 * replies in order and hands each to its caller. While callers keep queueing it serves a few more batches
 * (at most {@value #MAX_BATCHES_PER_TURN} per turn), then wakes the next waiting caller to take over. One
 * caller alone writes just its own command, so it sees plain latency.
 *
 * <p>Commands that change connection state or block (SELECT, WATCH, MULTI, SUBSCRIBE, BLPOP, CLIENT, ...)
 * never take this path: they run on a connection of their own, as without auto-pipelining.
 *
 * <p>Time: a command has {@code acquireTimeout + socketTimeout} from the moment it is queued, whatever batch it
 * lands in. A batch leases its connection for at most what its oldest command has left once the reply's
 * {@code socketTimeout} is set aside, so a command queued behind a batch stuck on a dead connection is not then
 * given a full acquire timeout of its own on top; and a combiner whose own command is done serves others only
 * within its own deadline.
 *
 * <p>Interrupts: a caller's interrupt never withdraws a command that may already be on the wire; the caller
 * waits for its reply and finds its interrupt status restored. A combiner clears its interrupt status while it
 * writes and reads for others, but an interrupt that arrives during that I/O closes the socket (that is what
 * interrupting a virtual thread blocked on a socket does) and fails the whole batch with a connection error.
 */
final class AutoPipeline implements CommandExecutor {
    /** Commands that must not share a connection with others' commands. */
    private static final Set<String> DIRECT = Set.of(
            "SELECT", "WATCH", "UNWATCH", "MULTI", "EXEC", "DISCARD", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
            "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR", "SYNC", "PSYNC", "AUTH", "HELLO", "RESET",
            "QUIT", "CLIENT", "READONLY", "READWRITE", "ASKING", "WAIT", "WAITAOF", "BLPOP", "BRPOP", "BRPOPLPUSH",
            "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "XREAD", "XREADGROUP", "SHUTDOWN", "DEBUG",
            "FAILOVER", "REPLICAOF", "SLAVEOF");
    private static final int MAX_BATCH = 1024;
    /** Bounds how long a combiner serves others before it returns to its own caller. */
    private static final int MAX_BATCHES_PER_TURN = 8;

    private final LeasingConnectionProvider connections;
    private final long acquireNanos;
    private final long socketNanos;
    private final Lane[] lanes;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong commands = new AtomicLong();

    AutoPipeline(LeasingConnectionProvider connections, int lanes, Duration acquireTimeout, Duration socketTimeout) {
        this.connections = connections;
        this.acquireNanos = acquireTimeout.toNanos();
        this.socketNanos = socketTimeout.toNanos();
        this.lanes = new Lane[lanes];
        for (int i = 0; i < lanes; i++) {
            this.lanes[i] = new Lane();
        }
    }

    static boolean pipelinable(CommandArguments args) {
        return !args.isBlocking() && !DIRECT.contains(name(args));
    }

    private static String name(CommandArguments args) {
        return new String(args.getCommand().getRaw(), StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public <T> T executeCommand(CommandObject<T> command) {
        if (!pipelinable(command.getArguments())) {
            try (Connection connection = connections.getConnection()) {
                return connection.executeCommand(command);
            }
        }
        Pending<T> pending = new Pending<>(command, Thread.currentThread(), System.nanoTime() + acquireNanos + socketNanos);
        Lane lane = pick();
        lane.queue.add(pending);
        boolean interrupted = false;
        while (!pending.done) {
            if (lane.busy.compareAndSet(false, true)) {
                // a pending interrupt of this caller must not fail the other callers' commands it is about to send
                interrupted |= Thread.interrupted();
                try {
                    // serve batches until our own command is done, then a few more while callers keep queueing:
                    // this thread is already running, a woken waiter would first have to be scheduled
                    // ...but never past this caller's own deadline: serving others must not make it wait longer
                    int batches = 0;
                    while (!pending.done || (batches < MAX_BATCHES_PER_TURN && !lane.queue.isEmpty()
                            && pending.deadline - socketNanos - System.nanoTime() > 0)) {
                        runBatch(lane, pending.done ? pending.deadline : Long.MAX_VALUE);
                        batches++;
                    }
                } finally {
                    lane.busy.set(false);
                }
                Pending<?> next = lane.queue.peek();
                if (next != null) {
                    LockSupport.unpark(next.thread); // it combines what queued up while we were busy
                }
            } else {
                LockSupport.park(lane);
                // the command may already be on the wire, so an interrupt cannot withdraw it: wait, then restore
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return pending.result();
    }

    private Lane pick() {
        if (lanes.length == 1) {
            return lanes[0];
        }
        int start = ThreadLocalRandom.current().nextInt(lanes.length);
        for (int i = 0; i < lanes.length; i++) {
            Lane lane = lanes[(start + i) % lanes.length];
            if (!lane.busy.get()) {
                return lane;
            }
        }
        return lanes[start];
    }

    /**
     * Writes up to MAX_BATCH queued commands in one write and completes each with its reply, leasing the connection
     * for no longer than the oldest command, or the combiner serving others ({@code by}), has left.
     */
    private void runBatch(Lane lane, long by) {
        List<Pending<?>> batch = new ArrayList<>(Math.min(MAX_BATCH, 64));
        for (Pending<?> p; batch.size() < MAX_BATCH && (p = lane.queue.poll()) != null; ) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        batches.incrementAndGet();
        commands.addAndGet(batch.size());
        Connection connection;
        try {
            // what the oldest command has left once its reply's socketTimeout is set aside (zero: a free one or none)
            long now = System.nanoTime();
            long budget = Math.min(acquireNanos, Math.min(batch.getFirst().deadline, by) - socketNanos - now);
            connection = connections.lease(false, "auto-pipeline", Duration.ofNanos(Math.max(0, budget)));
        } catch (RuntimeException e) {
            for (Pending<?> p : batch) {
                p.fail(e);
            }
            return;
        }
        int completed = 0;
        try {
            for (Pending<?> p : batch) {
                connection.sendCommand(p.command.getArguments());
            }
            for (Pending<?> p : batch) {
                Object reply;
                try {
                    reply = connection.getOne();
                } catch (JedisDataException e) {
                    p.fail(e);
                    completed++;
                    continue;
                }
                p.complete(reply);
                completed++;
            }
        } catch (RuntimeException e) {
            // I/O failure: the connection is broken (Jedis marked it) and is destroyed on close
            RuntimeException failure = e instanceof JedisConnectionException ? e
                    : new JedisConnectionException("auto-pipelined batch failed while reading replies: " + e, e);
            connection.setBroken();
            for (int i = completed; i < batch.size(); i++) {
                batch.get(i).fail(failure);
            }
        } finally {
            connection.close();
        }
    }

    /** @return batches written so far (each one write and one read pass) */
    long batches() {
        return batches.get();
    }

    /** @return commands sent through batches so far */
    long commands() {
        return commands.get();
    }

    @Override
    public void close() {
        // the RedisPool owns the connections
    }

    private static final class Lane {
        final ConcurrentLinkedQueue<Pending<?>> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean busy = new AtomicBoolean();
    }

    private static final class Pending<T> {
        final CommandObject<T> command;
        final Thread thread;
        /** When this command's time is up ({@link System#nanoTime()}): queued plus acquireTimeout plus socketTimeout. */
        final long deadline;
        private T value;
        private RuntimeException failure;
        volatile boolean done;

        Pending(CommandObject<T> command, Thread thread, long deadline) {
            this.command = command;
            this.thread = thread;
            this.deadline = deadline;
        }

        void complete(Object reply) {
            try {
                value = command.getBuilder().build(reply);
            } catch (RuntimeException e) {
                failure = e;
            }
            finish();
        }

        void fail(RuntimeException e) {
            failure = e;
            finish();
        }

        private void finish() {
            done = true;
            LockSupport.unpark(thread);
        }

        T result() {
            if (failure != null) {
                // a fresh exception carries this caller's stack; the cause keeps the original
                if (failure.getClass() == JedisDataException.class) {
                    throw new JedisDataException(failure.getMessage(), failure);
                }
                if (failure.getClass() == JedisConnectionException.class) {
                    throw new JedisConnectionException(failure.getMessage(), failure);
                }
                throw failure; // a more specific type (NOSCRIPT, ACL, ...) is kept as it is
            }
            return value;
        }
    }
}
