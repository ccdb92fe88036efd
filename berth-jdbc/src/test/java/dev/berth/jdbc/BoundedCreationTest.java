package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Connection attempts are bounded: pgjdbc gets {@code connectTimeout} from createTimeout and TCP keepalive on,
 * unless the user set them, and a server that accepts TCP and never answers costs a caller the
 * createTimeout, not its connectionTimeout, with the reason.
 */
class BoundedCreationTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private static Properties driverProperties(BerthDataSource ds) {
        return new PgConnectionFactory(ds.validatedSettings()).driverProperties();
    }

    @Test
    void pgjdbcGetsTheCreateTimeoutAndTcpKeepaliveByDefault() {
        Properties p = driverProperties(BerthDataSource.builder().jdbcUrl(URL).build());
        assertThat(p.getProperty("connectTimeout")).isEqualTo("10");
        assertThat(p.getProperty("tcpKeepAlive")).isEqualTo("true");
        assertThat(p.getProperty("loginTimeout")).as("pgjdbc would connect on a thread it abandons").isNull();

        Properties rounded = driverProperties(BerthDataSource.builder().jdbcUrl(URL).createTimeout(2_500).build());
        assertThat(rounded.getProperty("connectTimeout")).as("whole seconds, rounded up").isEqualTo("3");
    }

    @Test
    void whatTheUserSetIsKept() {
        BerthDataSource ds = BerthDataSource.builder().jdbcUrl(URL).build();
        ds.addDataSourceProperty("connectTimeout", "2");
        ds.addDataSourceProperty("tcpKeepAlive", "false");

        Properties p = driverProperties(ds);

        assertThat(p.getProperty("connectTimeout")).isEqualTo("2");
        assertThat(p.getProperty("tcpKeepAlive")).isEqualTo("false");
    }

    @Test
    void createTimeoutMustBePositive() {
        BerthDataSource ds = new BerthDataSource();
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class, () -> ds.setCreateTimeout(0));
        assertThat(e).hasMessageContaining("createTimeout").hasMessageContaining("0 ms");
    }

    /**
     * A real TCP server on loopback that accepts every connection and never sends a byte: a PostgreSQL that hangs,
     * or a load balancer in front of a dead one. The 10 s connectionTimeout is not what the caller waits: the pool
     * gives up on the attempt at the 1 s createTimeout, tells the caller why, and the attempt's socket is closed.
     */
    @Test
    void aServerThatAcceptsAndNeverAnswersCostsTheCreateTimeoutAndTheReason() throws Exception {
        try (SilentServer server = new SilentServer();
             BerthDataSource ds = BerthDataSource.builder()
                     .jdbcUrl("jdbc:postgresql://127.0.0.1:" + server.port() + "/test").username("postgres")
                     .poolName("silent").maximumPoolSize(2).minimumIdle(0)
                     .connectionTimeout(10_000).createTimeout(1_000).build()) {
            long start = System.nanoTime();
            SQLTransientConnectionException e = catchThrowableOfType(SQLTransientConnectionException.class, ds::getConnection);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(waited).as("bounded by createTimeout, far below connectionTimeout").isGreaterThanOrEqualTo(900).isLessThan(5_000);
            assertThat(e.getMessage()).contains("silent").contains("createTimeout (1000 ms)");
            assertThat(server.accepted.get()).isGreaterThanOrEqualTo(1);
            await("every attempt's socket is closed, none left hanging").atMost(Duration.ofSeconds(5))
                    .until(() -> server.closedByClient.get() == server.accepted.get());
            assertThat(Thread.getAllStackTraces().keySet()).as("no platform thread of pgjdbc's left blocked on the server")
                    .noneMatch(t -> t.getName().startsWith("PostgreSQL JDBC driver connection thread"));
            long closing = System.nanoTime();
            ds.close(); // waits for the pool's creation workers: one still blocked on the server would hold it up
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing)).isLessThan(3_000);
        }
    }

    /** Accepts on a free loopback port, reads whatever arrives and never writes; counts sockets the client closed. */
    private static final class SilentServer implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger closedByClient = new AtomicInteger();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        final Thread acceptor = Thread.ofVirtual().start(this::accept);

        SilentServer() throws IOException {
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = listener.accept();
                    sockets.add(socket);
                    accepted.incrementAndGet();
                    Thread.ofVirtual().start(() -> drain(socket));
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void drain(Socket socket) {
            try (InputStream in = socket.getInputStream()) {
                byte[] buffer = new byte[512];
                while (in.read(buffer) >= 0) {
                    // never answer
                }
                closedByClient.incrementAndGet();
            } catch (IOException e) {
                closedByClient.incrementAndGet(); // reset by the client counts as closed too
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            for (Socket socket : sockets) {
                socket.close();
            }
            acceptor.join();
        }
    }
}
