package dev.berth.jdbc.tx;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary and a streaming hot standby of it, started from the machine's PostgreSQL binaries on two
 * free ports in a temporary directory, for the replica routing tests. It is its own pair: the shared server on
 * 5432 is not touched. PostgreSQL refuses to run as root, so when the tests run as root the servers run as the
 * {@code postgres} OS user through {@code runuser}.
 *
 * <p>{@link #unavailableReason()} says why it cannot run here (no binaries, or root without runuser or a
 * postgres user), so that tests can skip with that reason. The binaries are looked up in
 * {@code $BERTH_PG_BIN}, then the newest {@code /usr/lib/postgresql/<version>/bin}.
 */
final class ReplicaCluster implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> TOOLS = List.of("initdb", "pg_ctl", "pg_basebackup", "postgres");

    private final Path bin;
    private final List<String> asPostgres;
    private final Path dir;
    private final int primaryPort;
    private final int standbyPort;
    private final Thread cleanup;

    private ReplicaCluster(Path bin, List<String> asPostgres, Path dir, int primaryPort, int standbyPort) {
        this.bin = bin;
        this.asPostgres = asPostgres;
        this.dir = dir;
        this.primaryPort = primaryPort;
        this.standbyPort = standbyPort;
        this.cleanup = Thread.ofPlatform().unstarted(this::stopQuietly);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** @return why a cluster cannot be started on this machine, or {@code null} when it can */
    static String unavailableReason() {
        Path bin = findBin();
        if (bin == null) {
            return "no PostgreSQL server binaries (" + String.join(", ", TOOLS) + ") in $BERTH_PG_BIN or /usr/lib/postgresql/*/bin;"
                    + " install postgresql (e.g. apt-get install postgresql-15) to run the replica tests";
        }
        if (isRoot()) {
            if (findOnPath("runuser") == null) {
                return "running as root, and PostgreSQL refuses to run as root, but runuser (util-linux) is not installed";
            }
            if (!userExists("postgres")) {
                return "running as root, and PostgreSQL refuses to run as root, but there is no 'postgres' OS user to run it as";
            }
        }
        return null;
    }

    /** Starts the primary, takes a base backup of it and starts that as a hot standby; waits until both accept connections. */
    static ReplicaCluster start() throws IOException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        Path bin = findBin();
        List<String> asPostgres = isRoot() ? List.of(findOnPath("runuser").toString(), "-u", "postgres", "--") : List.of();
        Path dir = Path.of(run(asPostgres, List.of("mktemp", "-d", System.getProperty("java.io.tmpdir") + "/berth-replica.XXXXXX"), null).strip());
        int[] ports = freePorts();
        ReplicaCluster cluster = new ReplicaCluster(bin, asPostgres, dir, ports[0], ports[1]);
        try {
            cluster.startBoth();
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startBoth() throws IOException {
        Path primary = dir.resolve("primary");
        Path standby = dir.resolve("standby");
        tool("initdb", "-D", primary.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync");
        appendConfig(primary, "port = " + primaryPort,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + dir + "'",
                "max_connections = 40",
                "shared_buffers = 16MB",
                "fsync = off",
                "full_page_writes = off",
                "wal_level = replica",
                "max_wal_senders = 4",
                "hot_standby = on");
        tool("pg_ctl", "-D", primary.toString(), "-l", dir.resolve("primary.log").toString(), "-w", "-t", "60", "start");
        tool("pg_basebackup", "-h", "127.0.0.1", "-p", Integer.toString(primaryPort), "-U", "postgres", "-D", standby.toString(),
                "-R", "-X", "stream", "-c", "fast", "--no-sync");
        appendConfig(standby, "port = " + standbyPort);
        startStandby();
    }

    /** @return a {@code postgres://} URL of the primary (database postgres, user postgres, trust) */
    String primaryUrl() {
        return "postgres://postgres@127.0.0.1:" + primaryPort + "/postgres";
    }

    /** @return a {@code postgres://} URL of the hot standby */
    String standbyUrl() {
        return "postgres://postgres@127.0.0.1:" + standbyPort + "/postgres";
    }

    Connection primaryConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres", "postgres", "");
    }

    Connection standbyConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + standbyPort + "/postgres", "postgres", "");
    }

    /** Stops the standby (fast shutdown: its sessions are ended). */
    void stopStandby() throws IOException {
        tool("pg_ctl", "-D", dir.resolve("standby").toString(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    /** Starts the standby and waits until it accepts read-only connections. */
    void startStandby() throws IOException {
        tool("pg_ctl", "-D", dir.resolve("standby").toString(), "-l", dir.resolve("standby.log").toString(), "-w", "-t", "60", "start");
    }

    /** Waits until the standby has replayed everything the primary has written so far. */
    void awaitStandbyCaughtUp() throws SQLException {
        String lsn;
        try (Connection primary = primaryConnection()) {
            lsn = TestDatabases.queryString(primary, "select pg_current_wal_lsn()::text");
        }
        try (Connection standby = standbyConnection()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "t".equals(TestDatabases.queryString(standby,
                    "select (pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn)::text").substring(0, 1)));
        }
    }

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
        for (String server : List.of("standby", "primary")) {
            if (Files.exists(dir.resolve(server).resolve("postmaster.pid"))) {
                try {
                    tool("pg_ctl", "-D", dir.resolve(server).toString(), "-m", "immediate", "-w", "-t", "30", "stop");
                } catch (IOException | RuntimeException e) {
                    System.err.println("could not stop the test " + server + " in " + dir + ": " + e.getMessage());
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    private void appendConfig(Path dataDir, String... lines) throws IOException {
        Files.writeString(dataDir.resolve("postgresql.conf"), "\n# berth replica tests\n" + String.join("\n", lines) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private void tool(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve(name).toString());
        command.addAll(List.of(args));
        run(asPostgres, command, dir);
    }

    /** Runs a command (prefixed by runuser when needed) and returns its output; fails with the output when it fails. */
    private static String run(List<String> prefix, List<String> command, Path workDir) throws IOException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        Process process = builder.start();
        process.getOutputStream().close();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", full) + " did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", full), e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " failed with exit code " + process.exitValue() + ":\n" + output);
        }
        return output;
    }

    private static Path findBin() {
        String configured = System.getenv("BERTH_PG_BIN");
        if (configured != null && !configured.isBlank()) {
            Path bin = Path.of(configured);
            return hasTools(bin) ? bin : null;
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(ReplicaCluster::hasTools)
                    .max(Comparator.comparingInt(ReplicaCluster::majorVersion))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean hasTools(Path bin) {
        return TOOLS.stream().allMatch(tool -> Files.isExecutable(bin.resolve(tool)));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Path findOnPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String entry : path.split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
                return Path.of(entry, program);
            }
        }
        return null;
    }

    private static boolean userExists(String user) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(line -> line.startsWith(user + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    @Override
    public String toString() {
        return "ReplicaCluster{primary port " + primaryPort + ", standby port " + standbyPort + ", in " + dir + '}';
    }
}
