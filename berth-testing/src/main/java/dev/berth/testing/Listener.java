package dev.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The proxy's listening socket on a loopback address (127.0.0.1 unless the proxy was given another) and the thread
 * that accepts on it. It can stop listening (connects are refused) and listen again on the same address and port;
 * stopping returns once the accepting thread has ended.
 */
final class Listener {

    /** Where a proxy listens unless told otherwise. */
    static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

    /** Starts a thread the owner joins on close; returns null (and starts nothing) when the owner is closed. */
    interface ThreadStarter {
        Thread start(String name, Runnable body);
    }

    // Serialises refuse(), accept() and close(); held while the listening socket closes and its acceptor ends.
    private final ReentrantLock lock = new ReentrantLock();
    private final InetAddress address;
    private final int port;
    private final String threadName;
    private final ThreadStarter threads;
    private final Consumer<Socket> admit;
    // guarded by lock
    private ServerSocket socket;
    private Thread acceptor;
    private boolean closed;

    /** Takes over {@code bound} (see {@link #bind}) and starts accepting on it. */
    Listener(ServerSocket bound, String threadName, ThreadStarter threads, Consumer<Socket> admit) {
        this.address = bound.getInetAddress();
        this.port = bound.getLocalPort();
        this.threadName = threadName;
        this.threads = threads;
        this.admit = admit;
        lock.lock();
        try {
            startAccepting(bound);
        } finally {
            lock.unlock();
        }
    }

    /** Binds {@code address}:{@code port} (0 for a free one) with SO_REUSEADDR, so a port in TIME_WAIT binds again. */
    static ServerSocket bind(InetAddress address, int port) {
        ServerSocket server = null;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, port));
            return server;
        } catch (IOException e) {
            if (server != null) {
                try {
                    server.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            String host = address.getHostAddress();
            throw new UncheckedIOException(port == 0
                    ? "FaultProxy could not listen on any port of " + host + ": " + e.getMessage()
                    : "FaultProxy could not listen on " + host + ":" + port + ": " + e.getMessage()
                            + ". Another socket holds that address and port (or took it while the proxy refused "
                            + "connections); pick another port, or 0 for a free one", e);
        }
    }

    /** Stops listening and waits for the accepting thread to end; does nothing when not listening. */
    void refuse() {
        lock.lock();
        try {
            stop();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Listens again on the same port; does nothing when listening.
     *
     * @throws IllegalStateException when closed
     */
    void accept(String closedMessage) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(closedMessage);
            }
            if (socket == null) {
                startAccepting(bind(address, port));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops listening for good. */
    void close() {
        lock.lock();
        try {
            closed = true;
            stop();
        } finally {
            lock.unlock();
        }
    }

    private void startAccepting(ServerSocket bound) {
        acceptor = threads.start(threadName, () -> acceptLoop(bound));
        if (acceptor != null) {
            socket = bound;
        } else {
            closeQuietly(bound); // the owner is closing
        }
    }

    private void acceptLoop(ServerSocket server) {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // refuse() or close() closed the socket
            }
            admit.accept(client);
        }
    }

    private void stop() {
        if (socket == null) {
            return;
        }
        closeQuietly(socket);
        socket = null;
        // Once it has ended, no connection is accepted or admitted after refuse() returns.
        boolean interrupted = false;
        while (acceptor.isAlive()) {
            try {
                acceptor.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        acceptor = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(ServerSocket server) {
        try {
            server.close();
        } catch (IOException e) {
            // the accept loop ends either way
        }
    }
}
