package dev.berth.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link FaultProxy} in front of an in-test echo server on 127.0.0.1 (needs no other server). */
class FaultProxyTest {

    private static final int NOTHING_ARRIVES_MILLIS = 300;
    private static final int SAFETY_TIMEOUT_MILLIS = 5_000;

    private final List<Socket> clients = new ArrayList<>();
    private EchoServer echo;
    private FaultProxy proxy;

    @BeforeEach
    void startEchoServerBehindProxy() throws IOException {
        echo = EchoServer.start();
        proxy = FaultProxy.start("127.0.0.1", echo.port());
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (Socket client : clients) {
            client.close();
        }
        proxy.close();
        echo.close();
    }

    @Test
    void passForwardsBothWays() throws IOException {
        Socket client = connect();

        assertThat(roundTrip(client, "hello")).isEqualTo("hello");
        assertThat(echo.bytesReceived()).isEqualTo(5);
    }

    @Test
    void blackholeDeliversNothingUntilHealThenEverythingInOrder() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "ping")).isEqualTo("ping");

        proxy.blackhole();
        send(client, "one");
        send(client, "two");

        assertNothingArrives(client);
        assertThat(echo.bytesReceived()).isEqualTo(4);
        assertThat(proxy.bytesUp()).isEqualTo(4);

        proxy.heal();

        assertThat(read(client, 6)).isEqualTo("onetwo");
    }

    @Test
    void blackholeHoldsWhatTheServerSendsToo() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "ping")).isEqualTo("ping");

        proxy.blackhole();
        echo.serverSide(0).getOutputStream().write("news".getBytes(US_ASCII));

        assertNothingArrives(client);
        assertThat(proxy.bytesDown()).isEqualTo(4);

        proxy.heal();

        assertThat(read(client, 4)).isEqualTo("news");
    }

    @Test
    void underBlackholeANewConnectionReachesTheServerOnlyAfterHeal() throws IOException {
        proxy.blackhole();
        Socket client = connect();
        send(client, "hi");

        assertNothingArrives(client);
        assertThat(proxy.accepted()).isEqualTo(1);
        assertThat(echo.accepted()).isZero();

        proxy.heal();

        assertThat(read(client, 2)).isEqualTo("hi");
        assertThat(echo.accepted()).isEqualTo(1);
    }

    @Test
    void blackholeReturnsOnlyOnceAWriteUnderWayHasEndedAndThenNothingMoves() throws Exception {
        Socket client = connect();
        assertThat(roundTrip(client, "ping")).isEqualTo("ping");
        Socket serverSide = echo.serverSide(0);
        Thread server = Thread.ofPlatform().name("test-server-writer").start(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                while (true) {
                    serverSide.getOutputStream().write(chunk);
                }
            } catch (IOException e) {
                // the test ended the connection
            }
        });
        // The client reads nothing, so its buffers fill and the proxy's write to it blocks, under way.
        awaitSteady(proxy::bytesDown);

        CompletableFuture<Void> blackhole = CompletableFuture.runAsync(proxy::blackhole);

        await().during(Duration.ofMillis(NOTHING_ARRIVES_MILLIS)).atMost(Duration.ofSeconds(2))
                .until(() -> !blackhole.isDone());
        AtomicLong read = new AtomicLong();
        Thread drainer = Thread.ofPlatform().name("test-drainer").start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                int n;
                while ((n = client.getInputStream().read(buffer)) >= 0) {
                    read.addAndGet(n);
                }
            } catch (IOException e) {
                // the test closed the client
            }
        });
        blackhole.get(5, TimeUnit.SECONDS);
        long delivered = proxy.bytesDown();
        await().during(Duration.ofMillis(NOTHING_ARRIVES_MILLIS)).atMost(Duration.ofSeconds(2))
                .until(() -> proxy.bytesDown() == delivered && "ping".length() + read.get() == delivered);

        proxy.heal();

        await().atMost(Duration.ofSeconds(5)).until(() -> read.get() > delivered);
        client.close();
        server.join();
        drainer.join();
    }

    @Test
    void latencyDelaysEachDirectionOfAnEstablishedConnection() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "ping")).isEqualTo("ping");

        proxy.latency(Duration.ofMillis(200));
        long start = System.nanoTime();
        assertThat(roundTrip(client, "pong")).isEqualTo("pong");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void latencyDelaysNewConnectionsToo() throws IOException {
        proxy.latency(Duration.ofMillis(200));
        Socket client = connect();

        long start = System.nanoTime();
        assertThat(roundTrip(client, "ping")).isEqualTo("ping");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void resetAllResetsEveryConnectionAndTheProxyKeepsAccepting() throws IOException {
        Socket first = connect();
        Socket second = connect();
        assertThat(roundTrip(first, "a")).isEqualTo("a");
        assertThat(roundTrip(second, "b")).isEqualTo("b");

        proxy.resetAll();

        assertThatThrownBy(() -> first.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessage("Connection reset");
        assertThatThrownBy(() -> second.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessage("Connection reset");
        assertThat(proxy.resets()).isEqualTo(2);
        assertThat(roundTrip(connect(), "c")).isEqualTo("c");
    }

    @Test
    void resetNewConnectionsResetsOnlyConnectionsAcceptedAfterwards() throws IOException {
        Socket established = connect();
        assertThat(roundTrip(established, "old")).isEqualTo("old");

        proxy.resetNewConnections(true);
        Socket fresh = connect();

        assertThatThrownBy(() -> fresh.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessage("Connection reset");
        assertThat(roundTrip(established, "still")).isEqualTo("still");
        assertThat(proxy.resets()).isEqualTo(1);

        proxy.resetNewConnections(false);

        assertThat(roundTrip(connect(), "new")).isEqualTo("new");
    }

    @Test
    void refuseMakesConnectsFailAndAcceptListensAgainOnTheSamePort() throws IOException {
        // A connection the proxy's side closed first leaves its port in TIME_WAIT: the re-bind needs SO_REUSEADDR.
        Socket earlier = connect();
        assertThat(roundTrip(earlier, "x")).isEqualTo("x");
        echo.serverSide(0).close();
        assertThat(earlier.getInputStream().read()).isEqualTo(-1);
        earlier.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.open() == 0);
        int port = proxy.port();

        proxy.refuse();

        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                .isInstanceOf(ConnectException.class).hasMessageContaining("Connection refused");

        proxy.accept();

        assertThat(proxy.port()).isEqualTo(port);
        assertThat(roundTrip(track(new Socket("127.0.0.1", port)), "back")).isEqualTo("back");
    }

    @Test
    void refuseLeavesEstablishedConnectionsAlone() throws IOException {
        Socket established = connect();
        assertThat(roundTrip(established, "before")).isEqualTo("before");

        proxy.refuse();

        assertThat(roundTrip(established, "after")).isEqualTo("after");
    }

    @Test
    void acceptButNeverAnswerSwallowsNewConnectionsAndLeavesEstablishedOnesAlone() throws IOException {
        Socket established = connect();
        assertThat(roundTrip(established, "old")).isEqualTo("old");

        proxy.acceptButNeverAnswer();
        Socket swallowed = connect();
        send(swallowed, "anyone there?");

        assertNothingArrives(swallowed);
        assertThat(proxy.accepted()).isEqualTo(2);
        assertThat(proxy.open()).isEqualTo(2);
        assertThat(echo.accepted()).isEqualTo(1);
        assertThat(roundTrip(established, "still")).isEqualTo("still");
    }

    @Test
    void passEndsAcceptButNeverAnswerForLaterConnections() throws IOException {
        proxy.acceptButNeverAnswer();

        proxy.pass();

        assertThat(roundTrip(connect(), "answered")).isEqualTo("answered");
    }

    @Test
    void countersCountConnectionsBytesAndResets() throws IOException {
        Socket first = connect();
        Socket second = connect();
        assertThat(roundTrip(first, "abc")).isEqualTo("abc");
        assertThat(roundTrip(second, "defgh")).isEqualTo("defgh");

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(proxy.accepted()).isEqualTo(2);
            assertThat(proxy.open()).isEqualTo(2);
            assertThat(proxy.bytesUp()).isEqualTo(8);
            assertThat(proxy.bytesDown()).isEqualTo(8);
            assertThat(proxy.resets()).isZero();
        });

        first.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.open() == 1);

        proxy.resetAll();

        assertThat(proxy.resets()).isEqualTo(1);
        assertThat(proxy.open()).isZero();
        assertThat(proxy.accepted()).isEqualTo(2);
    }

    @Test
    void closeJoinsEveryThreadItStarted() throws IOException {
        Socket forwarded = connect();
        assertThat(roundTrip(forwarded, "f")).isEqualTo("f");
        proxy.acceptButNeverAnswer();
        connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.accepted() == 2); // decided under the mode
        proxy.pass();
        proxy.blackhole();
        connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.open() == 3);
        String prefix = FaultProxy.THREAD_NAME_PREFIX + proxy.port() + "-";
        assertThat(threadsNamed(prefix)).contains(prefix + "accept", prefix + "c1-down-write",
                prefix + "c2-discard", prefix + "c3-up-read", prefix + "c3-up-write");

        proxy.close();

        assertThat(threadsNamed(prefix)).isEmpty();
        assertThatThrownBy(() -> forwarded.getInputStream().read())
                .isInstanceOf(SocketException.class).hasMessage("Connection reset");
    }

    @Test
    void twoProxiesListenOnOnePortAtTwoLoopbackAddressesEachForwardingToItsOwnServer() throws Exception {
        try (EchoServer otherEcho = EchoServer.start();
             FaultProxy a = FaultProxy.start(new InetSocketAddress("127.0.0.2", 0), "127.0.0.1", echo.port());
             FaultProxy b = FaultProxy.start(new InetSocketAddress("127.0.0.3", a.port()), "127.0.0.1", otherEcho.port())) {
            assertThat(a.host()).isEqualTo("127.0.0.2");
            assertThat(b.host()).isEqualTo("127.0.0.3");
            assertThat(b.port()).isEqualTo(a.port());

            assertThat(roundTrip(track(new Socket("127.0.0.2", a.port())), "to a")).isEqualTo("to a");
            assertThat(roundTrip(track(new Socket("127.0.0.3", b.port())), "to b")).isEqualTo("to b");

            assertThat(echo.bytesReceived()).isEqualTo(4);
            assertThat(otherEcho.bytesReceived()).isEqualTo(4);
            assertThat(a.accepted()).isEqualTo(1);
            assertThat(b.accepted()).isEqualTo(1);
            assertThat(b.toString()).startsWith("FaultProxy 127.0.0.3:" + a.port() + " -> 127.0.0.1:" + otherEcho.port());
        }
    }

    @Test
    void aProxyOnAGivenAddressRefusesAndListensAgainThere() throws IOException {
        try (FaultProxy a = FaultProxy.start(new InetSocketAddress("127.0.0.2", 0), "127.0.0.1", echo.port())) {
            a.refuse();

            assertThatThrownBy(() -> new Socket("127.0.0.2", a.port()).close())
                    .isInstanceOf(ConnectException.class).hasMessageContaining("Connection refused");

            a.accept();

            assertThat(roundTrip(track(new Socket("127.0.0.2", a.port())), "back")).isEqualTo("back");
        }
    }

    @Test
    void startRejectsAListenAddressOffLoopbackOrAlreadyTaken() {
        assertThatThrownBy(() -> FaultProxy.start(null, "127.0.0.1", 5432)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("listenAddress is null");
        assertThatThrownBy(() -> FaultProxy.start(new InetSocketAddress("192.0.2.1", 0), "127.0.0.1", 5432))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/192.0.2.1:0")
                .hasMessageContaining("loopback only");
        assertThatThrownBy(() -> FaultProxy.start(InetSocketAddress.createUnresolved("db.example", 0), "127.0.0.1", 5432))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback only");
        assertThatThrownBy(() -> FaultProxy.start(new InetSocketAddress("127.0.0.2", 0), "127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targetPort is 0");
        assertThatThrownBy(() -> FaultProxy.start(new InetSocketAddress(proxy.host(), proxy.port()), "127.0.0.1", 5432))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("could not listen on 127.0.0.1:" + proxy.port());
    }

    @Test
    void acceptAfterCloseSaysTheProxyIsClosed() {
        proxy.close();

        assertThatThrownBy(proxy::accept).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed").hasMessageContaining("start a new FaultProxy");
    }

    @Test
    void startRejectsAMissingHostOrAPortOutOfRange() {
        assertThatThrownBy(() -> FaultProxy.start(null, 5432)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("targetHost is null").hasMessageContaining("\"127.0.0.1\"");
        assertThatThrownBy(() -> FaultProxy.start(" ", 5432)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("targetHost is \" \"");
        assertThatThrownBy(() -> FaultProxy.start("127.0.0.1", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("targetPort is 0").hasMessageContaining("between 1 and 65535");
        assertThatThrownBy(() -> FaultProxy.start("127.0.0.1", 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("targetPort is 65536");
    }

    @Test
    void latencyRejectsANullOrNegativeDuration() {
        assertThatThrownBy(() -> proxy.latency(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("latency is null").hasMessageContaining("Duration.ZERO");
        assertThatThrownBy(() -> proxy.latency(Duration.ofMillis(-5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("latency is PT-0.005S").hasMessageContaining("must not be negative");
    }

    private Socket connect() throws IOException {
        return track(new Socket(proxy.host(), proxy.port()));
    }

    private Socket track(Socket socket) throws IOException {
        clients.add(socket);
        socket.setSoTimeout(SAFETY_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        send(socket, text);
        return read(socket, text.length());
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(US_ASCII));
    }

    private static String read(Socket socket, int length) throws IOException {
        return new String(socket.getInputStream().readNBytes(length), US_ASCII);
    }

    private static void assertNothingArrives(Socket socket) throws IOException {
        socket.setSoTimeout(NOTHING_ARRIVES_MILLIS);
        assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        socket.setSoTimeout(SAFETY_TIMEOUT_MILLIS);
    }

    /** Waits until {@code counter} has not changed for 200 ms. */
    private static void awaitSteady(LongSupplier counter) {
        AtomicLong last = new AtomicLong(-1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    long now = counter.getAsLong();
                    return last.getAndSet(now) == now;
                });
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(prefix))
                .toList();
    }
}
