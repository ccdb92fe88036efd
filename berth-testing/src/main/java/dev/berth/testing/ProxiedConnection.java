package dev.berth.testing;

import dev.berth.testing.Gate.Chunk;
import dev.berth.testing.Gate.Held;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection the proxy accepted, and its upstream connection once traffic may flow. Forwarding takes
 * four threads: a reader per direction that reads as fast as the sender sends (also while traffic is held), and a
 * writer per direction that delivers what was read when the {@link Gate} allows it. A FIN is delivered in order as
 * a half-close; any I/O error ends the whole connection with a reset on both sides. A discarding connection takes
 * one thread that reads and drops everything.
 */
final class ProxiedConnection {

    private static final System.Logger LOG = System.getLogger(FaultProxy.class.getName());
    private static final int READ_SIZE = 16 * 1024;

    private final FaultProxy proxy;
    private final Gate gate;
    private final int id;
    private final Socket client;
    private final Held up = new Held();
    private final Held down = new Held();
    // guarded by gate.lock
    private Socket upstream;
    private boolean ended;
    private int directionsDone;

    ProxiedConnection(FaultProxy proxy, Gate gate, int id, Socket client) {
        this.proxy = proxy;
        this.gate = gate;
        this.id = id;
        this.client = client;
    }

    /** Starts forwarding: reads the client at once, connects upstream when traffic is not held. Lock held. */
    void startForwarding() {
        proxy.startThread(threadName("up-read"), () -> pump(client, up));
        proxy.startThread(threadName("up-write"), this::connectAndDeliverUp);
    }

    /** Starts reading and dropping everything the client sends; nothing is ever connected upstream. Lock held. */
    void startDiscarding() {
        proxy.startThread(threadName("discard"), this::discard);
    }

    /**
     * Ends the connection with a TCP reset on both sides (SO_LINGER 0, then close).
     *
     * @return whether this call ended it (false when it had ended already)
     */
    boolean abort() {
        Socket upstreamToReset;
        gate.lock.lock();
        try {
            if (!end()) {
                return false;
            }
            upstreamToReset = upstream;
        } finally {
            gate.lock.unlock();
        }
        reset(client);
        if (upstreamToReset != null) {
            reset(upstreamToReset);
        }
        proxy.connectionEnded(this);
        return true;
    }

    private void connectAndDeliverUp() {
        if (!gate.awaitFlowing(up)) {
            return;
        }
        Socket socket = new Socket();
        gate.lock.lock();
        try {
            if (ended) {
                return;
            }
            upstream = socket; // set before connecting, so an abort can close it and end the connect at once
        } finally {
            gate.lock.unlock();
        }
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(proxy.targetHost(), proxy.targetPort()),
                    FaultProxy.UPSTREAM_CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            if (abort()) {
                LOG.log(System.Logger.Level.WARNING, () -> proxy + ": could not connect to the target "
                        + proxy.targetHost() + ":" + proxy.targetPort() + " (" + e + "); reset the client connection");
            }
            return;
        }
        proxy.startThread(threadName("down-read"), () -> pump(socket, down));
        proxy.startThread(threadName("down-write"), () -> deliver(down, client, proxy.bytesDownCounter()));
        deliver(up, socket, proxy.bytesUpCounter());
    }

    private void pump(Socket from, Held into) {
        byte[] buffer = new byte[READ_SIZE];
        try {
            InputStream in = from.getInputStream();
            while (true) {
                int n = in.read(buffer);
                Chunk chunk = n < 0 ? Chunk.EOF : new Chunk(Arrays.copyOf(buffer, n), System.nanoTime());
                if (!gate.hold(into, chunk) || n < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            abort();
        }
    }

    private void deliver(Held from, Socket to, AtomicLong delivered) {
        try {
            while (true) {
                Chunk chunk = gate.release(from);
                if (chunk == null) {
                    return;
                }
                boolean ok = write(chunk, to, delivered);
                gate.written();
                if (!ok) {
                    abort();
                    return;
                }
                if (chunk.isEof()) {
                    directionDone();
                    return;
                }
            }
        } catch (InterruptedException e) {
            abort(); // nobody interrupts these threads but close(); stop cleanly if someone does
        }
    }

    private static boolean write(Chunk chunk, Socket to, AtomicLong delivered) {
        try {
            if (chunk.isEof()) {
                to.shutdownOutput();
            } else {
                to.getOutputStream().write(chunk.bytes());
                delivered.addAndGet(chunk.length());
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void discard() {
        byte[] buffer = new byte[READ_SIZE];
        try {
            InputStream in = client.getInputStream();
            while (in.read(buffer) >= 0) {
                // dropped: this "server" accepted the connection and never answers
            }
        } catch (IOException e) {
            abort();
            return;
        }
        gate.lock.lock();
        try {
            if (!end()) {
                return;
            }
        } finally {
            gate.lock.unlock();
        }
        closeQuietly(client);
        proxy.connectionEnded(this);
    }

    /** One direction delivered its FIN; when both have, the connection ends with an orderly close. */
    private void directionDone() {
        Socket upstreamToClose;
        gate.lock.lock();
        try {
            if (++directionsDone < 2 || !end()) {
                return;
            }
            upstreamToClose = upstream;
        } finally {
            gate.lock.unlock();
        }
        closeQuietly(client);
        closeQuietly(upstreamToClose);
        proxy.connectionEnded(this);
    }

    /** Marks the connection ended and wakes its threads. Lock held; false when it had ended already. */
    private boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        gate.end(up);
        gate.end(down);
        return true;
    }

    private String threadName(String role) {
        return proxy.threadNamePrefix() + "c" + id + "-" + role;
    }

    static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing left to reset
        }
        closeQuietly(socket);
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all we wanted
        }
    }

    @Override
    public String toString() {
        return "connection " + id + " from " + client.getRemoteSocketAddress();
    }
}
