package dev.berth.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PgBouncer in transaction pooling mode ({@code pool_mode = transaction}) in front of a PostgreSQL server, started
 * from the machine's {@code pgbouncer} binary (Debian's package: {@code apt-get install pgbouncer}) on a free loopback
 * port with its configuration in a temporary directory. Every database name is passed through to the server; users
 * are trusted (the server's own authentication still applies). Under root it runs as the {@code postgres} OS user
 * ({@code -u postgres}; PgBouncer refuses to run as root).
 *
 * {@snippet :
 * Assumptions.assumeTrue(PgBouncer.unavailableReason() == null, PgBouncer.unavailableReason());
 * try (PgBouncer bouncer = PgBouncer.transactionPooling("127.0.0.1", 5432, 2)) {
 *     String url = bouncer.jdbcUrl("test");   // jdbc:postgresql://127.0.0.1:<port>/test
 * }
 * }
 *
 * <p>{@link #close()} (or a shutdown hook, should the JVM exit first) kills the process by its pid and deletes the
 * directory. One test drives one PgBouncer; its methods are not meant to be called concurrently.
 */
public final class PgBouncer implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Process process;
    private final Path dir;
    private final int port;
    private final Thread cleanup;

    private PgBouncer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.cleanup = Thread.ofPlatform().unstarted(this::stopQuietly);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** @return why PgBouncer cannot run on this machine, or {@code null} when it can */
    public static String unavailableReason() {
        if (binary() == null) {
            return "no pgbouncer binary on PATH or in /usr/sbin; install it (apt-get install pgbouncer) to run the PgBouncer tests";
        }
        if (isRoot() && !userExists("postgres")) {
            return "running as root, and PgBouncer refuses to run as root, but there is no 'postgres' OS user to run it as";
        }
        return null;
    }

    /**
     * Starts PgBouncer in transaction pooling mode and returns once it accepts connections.
     *
     * @param serverHost the PostgreSQL server's host
     * @param serverPort its port
     * @param serverConnectionsPerPool {@code default_pool_size}: server connections per database and user, so that a
     *     test can make transactions of one client land on different server connections
     * @return the running PgBouncer
     * @throws IOException when it does not start; the message carries its output
     * @throws IllegalStateException when it cannot run here ({@link #unavailableReason()})
     */
    public static PgBouncer transactionPooling(String serverHost, int serverPort, int serverConnectionsPerPool) throws IOException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        Path dir = Files.createTempDirectory("berth-pgbouncer");
        // readable by the postgres user PgBouncer switches to
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path users = dir.resolve("userlist.txt");
        Files.writeString(users, "\"postgres\" \"\"\n", StandardCharsets.UTF_8);
        Path config = dir.resolve("pgbouncer.ini");
        Files.writeString(config, String.join("\n",
                "[databases]",
                "* = host=" + serverHost + " port=" + serverPort,
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = trust",
                "auth_file = " + users,
                "pool_mode = transaction",
                "default_pool_size = " + serverConnectionsPerPool,
                "max_client_conn = 500",
                "server_reset_query = DISCARD ALL",
                // pgjdbc sends it at startup; PgBouncer would refuse the connection otherwise
                "ignore_startup_parameters = extra_float_digits",
                "admin_users = postgres",
                ""), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(binary().toString()));
        if (isRoot()) {
            command.addAll(List.of("-u", "postgres"));
        }
        command.add(config.toString());
        Path log = dir.resolve("pgbouncer.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PgBouncer bouncer = new PgBouncer(process, dir, port);
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> !process.isAlive() || accepts(port));
            if (!process.isAlive()) {
                throw new IOException("pgbouncer exited with code " + process.exitValue() + ":\n" + Files.readString(log));
            }
        } catch (IOException | RuntimeException e) {
            String output = Files.exists(log) ? Files.readString(log) : "";
            bouncer.close();
            throw e instanceof IOException io ? io : new IOException("pgbouncer did not start: " + e + "\n" + output, e);
        }
        return bouncer;
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the loopback port it listens on */
    public int port() {
        return port;
    }

    /**
     * @param database a database of the server behind it
     * @return a jdbc:postgresql URL through PgBouncer, without credentials
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** @return what PgBouncer logged so far (for failure messages) */
    public String log() {
        try {
            return Files.readString(dir.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return "<no log: " + e.getMessage() + ">";
        }
    }

    /** Kills PgBouncer by its pid, waits for it to exit and deletes its directory. Idempotent. */
    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void stopQuietly() {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM to this pid: PgBouncer shuts down at once
            try {
                if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not delete " + dir + ": " + e.getMessage());
            }
        }
    }

    private static Path binary() {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin";
        for (String entry : path.split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "pgbouncer"))) {
                return Path.of(entry, "pgbouncer");
            }
        }
        return null;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean userExists(String user) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(line -> line.startsWith(user + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "PgBouncer{transaction pooling on 127.0.0.1:" + port + ", pid " + process.pid() + ", in " + dir + '}';
    }
}
