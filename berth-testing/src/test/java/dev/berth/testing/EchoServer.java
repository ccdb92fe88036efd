package dev.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP echo server on 127.0.0.1 and a free port, for tests of {@link FaultProxy}: it sends back what it reads,
 * counts connections and bytes, and lets a test write from the server's side of a connection.
 */
final class EchoServer implements AutoCloseable {

    private final ServerSocket listener;
    private final Thread acceptor;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesReceived = new AtomicLong();

    private EchoServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().name("echo-server-" + listener.getLocalPort()).daemon()
                .start(this::acceptLoop);
    }

    static EchoServer start() throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        return new EchoServer(listener);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** @return how many connections the server accepted */
    int accepted() {
        return connections.size();
    }

    /** @return how many bytes the server read (and echoed) */
    long bytesReceived() {
        return bytesReceived.get();
    }

    /** @return the server's side of the {@code index}-th connection it accepted, to write from */
    Socket serverSide(int index) {
        return connections.get(index);
    }

    private void acceptLoop() {
        while (true) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            connections.add(socket);
            threads.add(Thread.ofPlatform().name("echo-server-connection-" + connections.size()).daemon()
                    .start(() -> echo(socket)));
        }
    }

    private void echo(Socket socket) {
        byte[] buffer = new byte[8192];
        try (socket) {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                bytesReceived.addAndGet(n);
                socket.getOutputStream().write(buffer, 0, n);
            }
        } catch (IOException e) {
            // the client or the proxy went away: nothing to echo to
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        acceptor.join();
        for (Socket socket : connections) {
            socket.close();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
