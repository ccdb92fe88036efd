package dev.berth.testing;

import dev.berth.testing.Gate.Traffic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback (127.0.0.1 unless told otherwise) that tests put between a client and a real server to inject network failures:
 * a partition, added latency, resets, a refused port, a server that accepts and never answers.
 *
 * {@snippet :
 * try (FaultProxy proxy = FaultProxy.start("127.0.0.1", 5432);
 *      Connection c = DriverManager.getConnection(
 *              "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/test?socketTimeout=1", "postgres", "")) {
 *     proxy.blackhole();   // a partition: nothing is delivered, nothing is closed
 *     assertThatThrownBy(() -> c.createStatement().execute("select 1")).isInstanceOf(SQLException.class);
 *     proxy.resetAll();    // every connection through the proxy gets a TCP RST
 *     proxy.heal();        // later connections work again
 * }
 * }
 *
 * <p><b>Modes.</b> Three settings, each independent of the others:
 * <ul>
 * <li>traffic on every connection, established and new: {@link #pass()} (alias {@link #heal()}),
 *     {@link #blackhole()}, {@link #latency(Duration)};</li>
 * <li>what happens to a connection the proxy accepts: forwarded (the default, and after {@link #pass()}), reset
 *     ({@link #resetNewConnections(boolean)}), or swallowed ({@link #acceptButNeverAnswer()});</li>
 * <li>whether the port listens: {@link #refuse()}, {@link #accept()}.</li>
 * </ul>
 * {@link #resetAll()} is an action, not a mode: it resets the connections open at the time.
 *
 * <p><b>Guarantees.</b> Every method is safe to call from any thread at any time. A change is in place when
 * the method returns: after {@link #blackhole()} returns no byte is delivered any more in either direction, after
 * {@link #refuse()} returns connects are refused, after {@link #resetNewConnections(boolean)} returns the next
 * connection accepted is reset. (A traffic change waits for a write already under way, which blocks only while its
 * receiver does not read: see {@link #blackhole()}.) Bytes are delivered in the order they were read, per direction; a FIN is
 * delivered in order as a half-close. {@link #close()} closes every socket and returns only once every thread
 * the proxy started has ended. The proxy's threads are platform daemon threads named
 * {@value #THREAD_NAME_PREFIX}{@code <port>-...}.
 *
 * <p>Each accepted connection gets its own connection to the target. When the target refuses it or does not
 * accept within 10 seconds, the client's connection is reset and a {@code WARNING} goes to the
 * {@link System.Logger} named after this class.
 *
 * <p><b>Addresses.</b> {@link #start(String, int)} listens on 127.0.0.1 and a free port.
 * {@link #start(InetSocketAddress, String, int)} listens on the loopback address and port you give: Linux routes all of
 * 127.0.0.0/8 to the loopback interface, so two proxies can listen on the same port at 127.0.0.2 and 127.0.0.3,
 * as two servers a host name can point to.
 *
 * <p>It is test support: a handful of connections at a time, up to 1 MiB held per direction of a connection.
 */
public final class FaultProxy implements AutoCloseable {

    /** Every thread the proxy starts has a name that begins with this, then its port and a dash. */
    public static final String THREAD_NAME_PREFIX = "berth-fault-proxy-";

    /** How long the proxy waits for the target to accept a connection before it resets the client's. */
    static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 10_000;

    private static final long CLOSE_JOIN_NANOS = TimeUnit.SECONDS.toNanos(10);

    private enum Admission {
        FORWARD("new connections forwarded"),
        RESET("new connections reset"),
        DISCARD("new connections accepted and never answered");

        private final String description;

        Admission(String description) {
            this.description = description;
        }
    }

    private final String targetHost;
    private final int targetPort;
    private final String host;
    private final int port;
    private final Gate gate = new Gate();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicLong bytesDown = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    // guarded by gate.lock
    private final Set<ProxiedConnection> connections = new HashSet<>();
    private Admission admission = Admission.FORWARD;
    private boolean closed;
    private int nextConnectionId;
    private final Listener listener;

    private FaultProxy(String targetHost, int targetPort, ServerSocket bound) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.host = bound.getInetAddress().getHostAddress();
        this.port = bound.getLocalPort();
        this.listener = new Listener(bound, threadNamePrefix() + "accept", this::startThread, this::admit);
    }

    /**
     * Starts a proxy on 127.0.0.1 and a free port, forwarding to {@code targetHost:targetPort}. The target is
     * connected once per accepted connection, so it may start after the proxy.
     *
     * @param targetHost the server's host, for example {@code "127.0.0.1"}
     * @param targetPort the server's port, 1 to 65535
     * @return the running proxy, in {@link #pass()} mode
     * @throws NullPointerException when {@code targetHost} is null
     * @throws IllegalArgumentException when {@code targetHost} is blank or {@code targetPort} is out of range
     * @throws UncheckedIOException when no port on 127.0.0.1 can be bound
     */
    public static FaultProxy start(String targetHost, int targetPort) {
        checkTarget(targetHost, targetPort);
        return new FaultProxy(targetHost, targetPort, Listener.bind(Listener.LOOPBACK, 0));
    }

    /**
     * Starts a proxy on the given loopback address and port, forwarding to {@code targetHost:targetPort}. For a
     * server that must appear at a given address, such as two servers on one port at two addresses for a host name
     * that moves from one to the other:
     * {@snippet :
     * FaultProxy a = FaultProxy.start(new InetSocketAddress("127.0.0.2", 0), "127.0.0.1", serverA);
     * FaultProxy b = FaultProxy.start(new InetSocketAddress("127.0.0.3", a.port()), "127.0.0.1", serverB);
     * }
     *
     * @param listenAddress a loopback address (127.0.0.0/8 or ::1) and a port, 0 for a free one
     * @param targetHost the server's host, for example {@code "127.0.0.1"}
     * @param targetPort the server's port, 1 to 65535
     * @return the running proxy, in {@link #pass()} mode
     * @throws NullPointerException when {@code listenAddress} or {@code targetHost} is null
     * @throws IllegalArgumentException when {@code listenAddress} is unresolved or not a loopback address, or
     *         {@code targetHost} is blank, or {@code targetPort} is out of range
     * @throws UncheckedIOException when the address and port cannot be bound (another socket holds them)
     */
    public static FaultProxy start(InetSocketAddress listenAddress, String targetHost, int targetPort) {
        if (listenAddress == null) {
            throw new NullPointerException("listenAddress is null: pass a loopback address and a port, for example "
                    + "new InetSocketAddress(\"127.0.0.2\", 0), or use start(targetHost, targetPort) for 127.0.0.1");
        }
        if (listenAddress.isUnresolved() || !listenAddress.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("listenAddress is " + listenAddress + " but FaultProxy listens on "
                    + "loopback only: pass an address in 127.0.0.0/8 (or ::1), for example 127.0.0.2");
        }
        checkTarget(targetHost, targetPort);
        return new FaultProxy(targetHost, targetPort, Listener.bind(listenAddress.getAddress(), listenAddress.getPort()));
    }

    private static void checkTarget(String targetHost, int targetPort) {
        if (targetHost == null) {
            throw new NullPointerException("targetHost is null: pass the host of the server to forward to, "
                    + "for example \"127.0.0.1\"");
        }
        if (targetHost.isBlank()) {
            throw new IllegalArgumentException("targetHost is \"" + targetHost + "\": pass the host of the server to "
                    + "forward to, for example \"127.0.0.1\"");
        }
        if (targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("targetPort is " + targetPort + " but must be between 1 and 65535: "
                    + "pass the port the server listens on, for example 5432");
        }
    }

    /** @return the address the proxy listens on, as a literal: {@code "127.0.0.1"} unless it was started on another */
    public String host() {
        return host;
    }

    /** @return the port the proxy listens on; it stays the same across {@link #refuse()} and {@link #accept()} */
    public int port() {
        return port;
    }

    /**
     * Forwards bytes both ways on every connection, without delay, and forwards new connections again (ends
     * {@link #blackhole()}, {@link #latency(Duration)}, {@link #resetNewConnections(boolean)} and
     * {@link #acceptButNeverAnswer()}). Bytes held by a blackhole are delivered first, in order. Connections
     * swallowed by {@link #acceptButNeverAnswer()} stay swallowed. A refused port stays refused: see
     * {@link #accept()}.
     */
    public void pass() {
        gate.lock.lock();
        try {
            admission = Admission.FORWARD;
        } finally {
            gate.lock.unlock();
        }
        gate.change(Traffic.PASS);
    }

    /**
     * The same as {@link #pass()}; reads better after {@link #blackhole()}. Like a healed partition, every byte
     * sent during the blackhole arrives now, in order, and connections opened during it are connected to the
     * target now.
     */
    public void heal() {
        pass();
    }

    /**
     * A partition: every connection, established or new, stays open and nothing is delivered in either direction.
     * The proxy keeps reading what each side sends (up to 1 MiB per direction, then the sender's TCP buffers fill,
     * as in a real partition) and delivers it in order after {@link #heal()}. A connection accepted during the
     * blackhole is connected to the target only after it heals, so the server sees nothing of it until then.
     * Returns once no write that began before the call is still under way; a write blocks only when its receiver
     * has stopped reading with full buffers, so do not leave a client unread while you call this.
     */
    public void blackhole() {
        gate.change(Traffic.BLACKHOLE);
    }

    /**
     * Delays each chunk, in each direction, until {@code latency} after the proxy read it, on every connection,
     * established and new; a round trip takes at least twice {@code latency}. Ends a blackhole (held bytes go out
     * at once if they were held longer than {@code latency}). {@link Duration#ZERO} means no delay.
     *
     * @param latency the delay per direction, zero or more
     * @throws NullPointerException when {@code latency} is null
     * @throws IllegalArgumentException when {@code latency} is negative
     */
    public void latency(Duration latency) {
        if (latency == null) {
            throw new NullPointerException("latency is null: pass a Duration, or Duration.ZERO (or call pass()) "
                    + "for no delay");
        }
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency is " + latency + " but must not be negative: pass "
                    + "Duration.ZERO (or call pass()) for no delay");
        }
        gate.change(Traffic.latency(latency.toNanos()));
    }

    /**
     * Aborts every connection open now with a TCP reset to both the client and the target (SO_LINGER 0, then
     * close); their clients see "Connection reset". The proxy keeps accepting. Each counts in {@link #resets()}.
     */
    public void resetAll() {
        List<ProxiedConnection> open;
        gate.lock.lock();
        try {
            open = new ArrayList<>(connections);
        } finally {
            gate.lock.unlock();
        }
        for (ProxiedConnection connection : open) {
            if (connection.abort()) {
                resets.incrementAndGet();
            }
        }
    }

    /**
     * With {@code true}, every connection accepted from now on is reset at once (its client's connect succeeds,
     * its first read fails with "Connection reset"); each counts in {@link #resets()}. With {@code false},
     * new connections are forwarded again (if they were being reset). Established connections are not touched.
     *
     * @param reset whether to reset new connections
     */
    public void resetNewConnections(boolean reset) {
        gate.lock.lock();
        try {
            if (reset) {
                admission = Admission.RESET;
            } else if (admission == Admission.RESET) {
                admission = Admission.FORWARD;
            }
        } finally {
            gate.lock.unlock();
        }
    }

    /**
     * Like a server whose kernel accepts connections while its process hangs: every connection accepted from now
     * on stays open, what its client sends is read and dropped, nothing ever answers and nothing is connected to
     * the target. Established connections keep working. {@link #pass()} ends it for later connections.
     */
    public void acceptButNeverAnswer() {
        gate.lock.lock();
        try {
            admission = Admission.DISCARD;
        } finally {
            gate.lock.unlock();
        }
    }

    /**
     * Stops listening: connects to {@link #port()} fail with "Connection refused" once this returns (connections
     * waiting in the accept queue are reset). Established connections are not touched. Does nothing when the
     * port is refused already.
     */
    public void refuse() {
        listener.refuse();
    }

    /**
     * Listens again, on the same {@link #port()} (with SO_REUSEADDR), after {@link #refuse()}. Does nothing when
     * the port is listening already.
     *
     * @throws IllegalStateException when the proxy is closed
     * @throws UncheckedIOException when the port cannot be bound again (another socket took it meanwhile)
     */
    public void accept() {
        listener.accept("FaultProxy " + host + ":" + port + " is closed: start a new FaultProxy instead of "
                + "calling accept() on a closed one");
    }

    /** @return how many connections the proxy accepted, whatever it did with them */
    public long accepted() {
        return accepted.get();
    }

    /** @return how many client connections are open now (forwarded, held or swallowed) */
    public int open() {
        return open.get();
    }

    /** @return how many bytes the proxy delivered to the target */
    public long bytesUp() {
        return bytesUp.get();
    }

    /** @return how many bytes the proxy delivered to clients */
    public long bytesDown() {
        return bytesDown.get();
    }

    /** @return how many connections the proxy reset on purpose ({@link #resetAll()}, {@link #resetNewConnections}) */
    public long resets() {
        return resets.get();
    }

    /**
     * Stops listening, aborts every connection (a reset on both sides, not counted in {@link #resets()}) and
     * returns once every thread the proxy started has ended. Calling it again does nothing more.
     *
     * @throws IllegalStateException when a thread of the proxy has not ended within 10 seconds (its stack is the
     *         cause); this would be a bug in the proxy
     */
    @Override
    public void close() {
        List<ProxiedConnection> open;
        gate.lock.lock();
        try {
            closed = true;
            open = new ArrayList<>(connections);
        } finally {
            gate.lock.unlock();
        }
        listener.close();
        open.forEach(ProxiedConnection::abort);
        joinThreads();
    }

    @Override
    public String toString() {
        gate.lock.lock();
        try {
            return "FaultProxy " + host + ":" + port + " -> " + targetHost + ":" + targetPort + " ("
                    + gate.traffic().name() + ", " + admission.description + ", " + open.get() + " open"
                    + (closed ? ", closed" : "") + ")";
        } finally {
            gate.lock.unlock();
        }
    }

    String targetHost() {
        return targetHost;
    }

    int targetPort() {
        return targetPort;
    }

    AtomicLong bytesUpCounter() {
        return bytesUp;
    }

    AtomicLong bytesDownCounter() {
        return bytesDown;
    }

    String threadNamePrefix() {
        return THREAD_NAME_PREFIX + port + "-";
    }

    /** Starts a daemon thread that close() joins; returns null (and starts nothing) once the proxy is closed. */
    Thread startThread(String name, Runnable body) {
        gate.lock.lock();
        try {
            if (closed) {
                return null;
            }
            Thread thread = Thread.ofPlatform().name(name).daemon().unstarted(() -> {
                try {
                    body.run();
                } finally {
                    threads.remove(Thread.currentThread());
                }
            });
            threads.add(thread);
            thread.start();
            return thread;
        } finally {
            gate.lock.unlock();
        }
    }

    void connectionEnded(ProxiedConnection connection) {
        gate.lock.lock();
        try {
            connections.remove(connection);
        } finally {
            gate.lock.unlock();
        }
        open.decrementAndGet();
    }

    private void admit(Socket client) {
        accepted.incrementAndGet();
        try {
            client.setTcpNoDelay(true); // chunks go out as they are released, so latency means what it says
        } catch (IOException e) {
            ProxiedConnection.closeQuietly(client);
            return;
        }
        gate.lock.lock();
        try {
            if (!closed && admission != Admission.RESET) {
                ProxiedConnection connection = new ProxiedConnection(this, gate, ++nextConnectionId, client);
                connections.add(connection);
                open.incrementAndGet();
                if (admission == Admission.FORWARD) {
                    connection.startForwarding();
                } else {
                    connection.startDiscarding();
                }
                return;
            }
            if (!closed) {
                resets.incrementAndGet();
            }
        } finally {
            gate.lock.unlock();
        }
        ProxiedConnection.reset(client);
    }

    private void joinThreads() {
        long deadline = System.nanoTime() + CLOSE_JOIN_NANOS;
        boolean interrupted = false;
        for (Thread thread : List.copyOf(threads)) {
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    Throwable where = new Throwable(thread.getName() + " is here");
                    where.setStackTrace(thread.getStackTrace());
                    throw new IllegalStateException(this + ": thread " + thread.getName() + " did not end within "
                            + TimeUnit.NANOSECONDS.toSeconds(CLOSE_JOIN_NANOS) + " s of close(); this is a bug in "
                            + "FaultProxy, the cause shows where the thread is stuck", where);
                }
                try {
                    thread.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
