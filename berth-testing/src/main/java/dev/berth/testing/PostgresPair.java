package dev.berth.testing;

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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary and a streaming hot standby of it, started from the machine's PostgreSQL binaries on two
 * free loopback ports in a temporary directory, for replica routing, failover and switchover tests and benchmarks.
 * It is its own pair: the shared server on 5432 is never touched. Both servers take database {@code postgres} and
 * user {@code postgres} with any password (trust). Under root the servers run as the {@code postgres} OS user.
 *
 * {@snippet :
 * try (PostgresPair pair = PostgresPair.start(PostgresPair.Replication.SYNCHRONOUS)) {
 *     String url = pair.multiHostJdbcUrl();   // ...?targetServerType=primary: follows the primary
 *     // write through url, then:
 *     pair.stopPrimaryImmediately();
 *     pair.promoteStandby();                  // returns once the standby takes writes
 * }
 * }
 *
 * <p>{@link #unavailableReason()} says why a pair cannot run here (no binaries, or root without runuser or a postgres
 * user), so that tests can skip with that reason. The binaries are looked up in {@code $BERTH_PG_BIN}, then the
 * newest {@code /usr/lib/postgresql/<version>/bin}.
 *
 * <p>"Primary" and "standby" name the two servers by the role they start in: after {@link #promoteStandby()} the
 * standby is the primary, and the primary keeps its name whatever became of it. One test drives a pair; its methods
 * are not meant to be called concurrently. {@link #close()} (or a shutdown hook, should the JVM exit first) stops both
 * servers and deletes their directory.
 */
public final class PostgresPair implements AutoCloseable {

    /** How the primary commits. */
    public enum Replication {
        /** A commit returns once the primary has it; the standby follows soon after (PostgreSQL's default). */
        ASYNCHRONOUS,
        /**
         * A commit returns once the standby has it too ({@code synchronous_standby_names = '*'}, on the primary only), so
         * no acknowledged commit is lost when the primary dies and the standby is promoted.
         */
        SYNCHRONOUS
    }

    private static final String USER = "postgres";
    private static final String DATABASE = "postgres";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(10);

    private final PostgresBinaries binaries;
    private final Path dir;
    private final int primaryPort;
    private final int standbyPort;
    private final Thread cleanup;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresPair(PostgresBinaries binaries, Path dir, int primaryPort, int standbyPort) {
        this.binaries = binaries;
        this.dir = dir;
        this.primaryPort = primaryPort;
        this.standbyPort = standbyPort;
        this.cleanup = Thread.ofPlatform().unstarted(this::stopQuietly);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** @return why a pair cannot be started on this machine, or {@code null} when it can */
    public static String unavailableReason() {
        return PostgresBinaries.unavailableReason();
    }

    /**
     * Starts a pair with asynchronous replication.
     *
     * @return the running pair
     * @throws IOException when a server does not start; the message carries the failing tool's output
     * @throws IllegalStateException when the machine cannot run a pair ({@link #unavailableReason()})
     */
    public static PostgresPair start() throws IOException {
        return start(Replication.ASYNCHRONOUS);
    }

    /**
     * Starts the primary, takes a base backup of it and starts that as a hot standby; returns once both accept
     * connections (and, for {@link Replication#SYNCHRONOUS}, once the standby confirms commits).
     *
     * @param replication how the primary commits
     * @return the running pair
     * @throws IOException when a server does not start; the message carries the failing tool's output
     * @throws IllegalStateException when the machine cannot run a pair ({@link #unavailableReason()})
     */
    public static PostgresPair start(Replication replication) throws IOException {
        PostgresBinaries binaries = PostgresBinaries.find();
        Path dir = binaries.newDirectory("berth-pair");
        int[] ports = freePorts();
        PostgresPair pair = new PostgresPair(binaries, dir, ports[0], ports[1]);
        try {
            pair.startBoth();
            if (replication == Replication.SYNCHRONOUS) {
                pair.makeReplicationSynchronous();
            }
        } catch (IOException | SQLException | RuntimeException e) {
            pair.close();
            throw e instanceof IOException io ? io : new IOException("the pair in " + dir + " did not start: " + e, e);
        }
        return pair;
    }

    private void startBoth() throws IOException {
        Path primary = dir.resolve("primary");
        Path standby = dir.resolve("standby");
        tool("initdb", "-D", primary.toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync");
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
        tool("pg_basebackup", "-h", "127.0.0.1", "-p", Integer.toString(primaryPort), "-U", USER, "-D", standby.toString(),
                "-R", "-X", "stream", "-c", "fast", "--no-sync");
        appendConfig(standby, "port = " + standbyPort);
        startStandby();
    }

    /** Commits wait for the standby from now on; set after the base backup, so a promoted standby waits for nobody. */
    private void makeReplicationSynchronous() throws SQLException {
        try (Connection primary = primaryConnection(); Statement s = primary.createStatement()) {
            s.execute("alter system set synchronous_standby_names = '*'");
            s.execute("select pg_reload_conf()");
            await().atMost(WAIT).pollInterval(POLL).until(() ->
                    "1".equals(queryString(primary, "select count(*) from pg_stat_replication where sync_state = 'sync'")));
        }
    }

    // ---- where the servers are ----------------------------------------------------------------------------

    /** @return the primary's port on 127.0.0.1 */
    public int primaryPort() {
        return primaryPort;
    }

    /** @return the standby's port on 127.0.0.1 */
    public int standbyPort() {
        return standbyPort;
    }

    /** @return the user both servers take, with any password: {@code postgres} */
    public String user() {
        return USER;
    }

    /** @return a {@code postgres://} URL of the primary (database postgres, user postgres, trust) */
    public String primaryUrl() {
        return "postgres://" + USER + "@127.0.0.1:" + primaryPort + "/" + DATABASE;
    }

    /** @return a {@code postgres://} URL of the standby */
    public String standbyUrl() {
        return "postgres://" + USER + "@127.0.0.1:" + standbyPort + "/" + DATABASE;
    }

    /** @return a {@code jdbc:postgresql:} URL of the primary, without credentials (the user is {@link #user()}) */
    public String primaryJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/" + DATABASE;
    }

    /** @return a {@code jdbc:postgresql:} URL of the standby, without credentials */
    public String standbyJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + standbyPort + "/" + DATABASE;
    }

    /**
     * A pgjdbc multi-host URL naming both servers, primary first, that connects to whichever of them takes writes:
     * {@code jdbc:postgresql://127.0.0.1:p1,127.0.0.1:p2/postgres?targetServerType=primary}.
     *
     * @return the URL, without credentials (the user is {@link #user()})
     */
    public String multiHostJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + ",127.0.0.1:" + standbyPort + "/" + DATABASE
                + "?targetServerType=primary";
    }

    /** @return a new plain connection to the primary */
    public Connection primaryConnection() throws SQLException {
        return DriverManager.getConnection(primaryJdbcUrl(), USER, "");
    }

    /** @return a new plain connection to the standby */
    public Connection standbyConnection() throws SQLException {
        return DriverManager.getConnection(standbyJdbcUrl(), USER, "");
    }

    // ---- what a test does to them -------------------------------------------------------------------------

    /** Stops the standby (fast shutdown: its sessions are ended). */
    public void stopStandby() throws IOException {
        tool("pg_ctl", "-D", dir.resolve("standby").toString(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    /** Starts the standby and waits until it accepts read-only connections. */
    public void startStandby() throws IOException {
        tool("pg_ctl", "-D", dir.resolve("standby").toString(), "-l", dir.resolve("standby.log").toString(), "-w", "-t", "60", "start");
    }

    /** Waits until the standby has replayed everything the primary has written so far. */
    public void awaitStandbyCaughtUp() throws SQLException {
        String lsn;
        try (Connection primary = primaryConnection()) {
            lsn = queryString(primary, "select pg_current_wal_lsn()::text");
        }
        try (Connection standby = standbyConnection()) {
            await().atMost(WAIT).pollInterval(POLL).until(() -> "true".equals(queryString(standby,
                    "select (pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn)::text")));
        }
    }

    /**
     * Turns the primary read-only the way an operator fences a primary before a switchover: {@code ALTER SYSTEM SET
     * default_transaction_read_only = on} and a configuration reload, on this pair's primary only. Sessions already
     * open take it at their next statement (and PostgreSQL 14 and later report it to them); returns once a new
     * session on the primary is read-only.
     */
    public void makePrimaryReadOnly() throws SQLException {
        try (Connection primary = primaryConnection(); Statement s = primary.createStatement()) {
            s.execute("alter system set default_transaction_read_only = on");
            s.execute("select pg_reload_conf()");
        }
        await().atMost(WAIT).pollInterval(POLL).until(() -> {
            try (Connection fresh = primaryConnection()) {
                return "on".equals(queryString(fresh, "show default_transaction_read_only"));
            }
        });
    }

    /**
     * Stops the primary with {@code pg_ctl stop -m immediate}: every server process ends at once, without a checkpoint
     * and without a word to its clients (their sockets close), as in a crash.
     */
    public void stopPrimaryImmediately() throws IOException {
        tool("pg_ctl", "-D", dir.resolve("primary").toString(), "-m", "immediate", "-w", "-t", "60", "stop");
    }

    /**
     * Restarts the primary with {@code pg_ctl restart -m fast} (sessions are ended with 57P01, a checkpoint is taken,
     * the server starts again) and returns once it accepts connections again: a planned restart, a minor-version
     * upgrade, a configuration change that needs one.
     */
    public void restartPrimary() throws IOException {
        tool("pg_ctl", "-D", dir.resolve("primary").toString(), "-l", dir.resolve("primary.log").toString(), "-m", "fast",
                "-w", "-t", "60", "restart");
    }

    /**
     * Promotes the standby ({@code pg_promote()}, which waits for the end of recovery) and returns once a new session
     * on it takes writes. The old primary is left as it is: stopped, read-only, or, if nothing was done to it, a second
     * primary, as in a real split brain.
     */
    public void promoteStandby() throws SQLException {
        try (Connection standby = standbyConnection()) {
            String promoted = queryString(standby, "select pg_promote(true, " + WAIT.toSeconds() + ")::text");
            if (!"true".equals(promoted)) {
                throw new IllegalStateException("the standby on port " + standbyPort + " did not finish its promotion within "
                        + WAIT.toSeconds() + " s; see " + dir.resolve("standby.log"));
            }
        }
        await().atMost(WAIT).pollInterval(POLL).until(() -> {
            try (Connection fresh = standbyConnection()) {
                return "false".equals(queryString(fresh, "select pg_is_in_recovery()::text"))
                        && "off".equals(queryString(fresh, "show transaction_read_only"));
            }
        });
    }

    /**
     * Replaces the primary's {@code pg_hba.conf} with {@code lines} and reloads its configuration; returns once a new
     * session sees the reload, so connections opened after this call are checked against the new rules (PostgreSQL
     * checks them only at login: sessions already open are not affected). This pair's own methods connect as
     * {@code postgres} over TCP from 127.0.0.1 with no password: keep a line that trusts that, before any line that
     * asks for a password, or they stop working.
     *
     * {@snippet :
     * pair.replacePrimaryHba(
     *         "local all all trust",
     *         "host all postgres 127.0.0.1/32 trust",         // the pair's own connections
     *         "host all all 127.0.0.1/32 scram-sha-256");    // everyone else needs a password
     * }
     *
     * @param lines the new file's lines, in pg_hba.conf syntax
     * @throws IOException when the file cannot be written
     * @throws SQLException when the primary cannot be reached to reload
     * @throws IllegalArgumentException when PostgreSQL finds errors in the lines (it then keeps the old rules)
     */
    public void replacePrimaryHba(String... lines) throws IOException, SQLException {
        // written in place, as root or as the owner: the file keeps its owner (postgres) and mode
        Files.writeString(dir.resolve("primary").resolve("pg_hba.conf"), "# berth PostgresPair\n" + String.join("\n", lines) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        String loadedBefore;
        try (Connection primary = primaryConnection(); Statement s = primary.createStatement()) {
            // a file with errors is not loaded at all: the old rules would stay, silently
            String errors = queryString(primary, "select coalesce(string_agg('line ' || line_number || ': ' || error, '; '), '')"
                    + " from pg_hba_file_rules where error is not null");
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("the new pg_hba.conf of the primary on port " + primaryPort
                        + " has errors and PostgreSQL would keep the old rules: " + errors);
            }
            loadedBefore = queryString(primary, "select pg_conf_load_time()::text");
            s.execute("select pg_reload_conf()");
        }
        // The postmaster stamps the reload time and then reloads pg_hba.conf in the same SIGHUP handling, and a new
        // session inherits its stamp: a newer stamp in a new session means the new rules decide logins from now on.
        await().atMost(WAIT).pollInterval(POLL).until(() -> {
            try (Connection fresh = primaryConnection()) {
                return "true".equals(queryString(fresh,
                        "select (pg_conf_load_time() > '" + loadedBefore + "'::timestamptz)::text"));
            }
        });
    }

    // ---- end ----------------------------------------------------------------------------------------------

    /** Stops both servers (immediately) and deletes their directory. Idempotent. */
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
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

    // ---- plumbing -----------------------------------------------------------------------------------------

    private void appendConfig(Path dataDir, String... lines) throws IOException {
        Files.writeString(dataDir.resolve("postgresql.conf"), "\n# berth PostgresPair\n" + String.join("\n", lines) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private void tool(String name, String... args) throws IOException {
        binaries.tool(dir, name, args);
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("no row from: " + sql);
            }
            return rs.getString(1);
        }
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    @Override
    public String toString() {
        return "PostgresPair{primary port " + primaryPort + ", standby port " + standbyPort + ", in " + dir + '}';
    }
}
