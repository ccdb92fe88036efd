package dev.berth.redis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A redis-server of the test's own, on a free port, that the test may stop, restart, freeze (SIGSTOP) and
 * kill without touching the shared server on 6379. Skips the test (JUnit assumption) where no redis-server
 * binary is installed.
 */
final class PrivateRedis implements AutoCloseable {
    private static final String BINARY = findBinary();

    private final int port;
    private final List<String> extraArgs;
    private final Path dir;
    private final String adminUser;
    private final String adminPassword;
    private Process process;

    private PrivateRedis(List<String> extraArgs, String adminUser, String adminPassword) throws IOException {
        assumeTrue(BINARY != null, "no redis-server binary on this machine (looked in PATH, /usr/bin, /usr/local/bin, and "
                + "for the one bundled in org.signal:embedded-redis, which is Linux x86-64 only); "
                + "install redis-server to run the tests that restart or freeze their own Redis");
        this.port = freePort();
        this.extraArgs = extraArgs;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.dir = Files.createTempDirectory("berth-redis-test");
        boot();
    }

    /** For tests: which binary runs (a path on this machine, or a temporary copy of the bundled one). */
    static String binary() {
        return BINARY;
    }

    static PrivateRedis launch(String... extraArgs) throws IOException {
        return new PrivateRedis(List.of(extraArgs), null, null);
    }

    /** A server where only {@code user}/{@code password} may log in (the default user is off). */
    static PrivateRedis withUser(String user, String password) throws IOException {
        return new PrivateRedis(List.of("--user", user, "on", ">" + password, "~*", "&*", "+@all", "--user", "default", "off"),
                user, password);
    }

    int port() {
        return port;
    }

    String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** A plain Jedis outside any pool, for the test's own checks. */
    Jedis admin() {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder();
        if (adminUser != null) {
            b.user(adminUser).password(adminPassword);
        }
        return new Jedis(new HostAndPort("127.0.0.1", port), b.build());
    }

    /** A counter from INFO (for example "connected_clients"), read on a connection of its own. */
    long info(String field) {
        try (Jedis j = admin()) {
            return info(j, field);
        }
    }

    /** A counter from INFO read on {@code admin}: with one admin connection for all readings, only its INFO adds reads. */
    static long info(Jedis admin, String field) {
        for (String line : admin.info().split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new AssertionError("INFO has no field " + field);
    }

    /**
     * Waits until exactly {@code clients} connections are open (the caller's admin one included), so that no
     * connection of an earlier test is still being torn down (a close is a read event on the server too).
     */
    void awaitClients(Jedis admin, long clients) {
        await().atMost(Duration.ofSeconds(10)).until(() -> info(admin, "connected_clients") == clients);
    }

    /** How often a command ran, from INFO commandstats (0 when never). */
    long calls(String command) {
        try (Jedis j = admin()) {
            for (String line : j.info("commandstats").split("\r\n")) {
                if (line.startsWith("cmdstat_" + command + ":calls=")) {
                    String rest = line.substring(("cmdstat_" + command + ":calls=").length());
                    return Long.parseLong(rest.substring(0, rest.indexOf(',')));
                }
            }
        }
        return 0;
    }

    private void boot() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at start: " + Files.readString(dir.resolve("redis.log")));
            }
            try (Jedis j = admin()) {
                return "PONG".equals(j.ping());
            }
        });
    }

    /** Kills the server at once (SIGKILL): every connection drops, nothing is saved. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    void restart() throws IOException, InterruptedException {
        kill();
        boot();
    }

    /** Freezes the process (SIGSTOP): connections stay open but nothing answers, as with a half-open TCP link. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed with exit code " + rc);
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            thaw();
            kill();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** redis-server from the PATH, else the Linux x86-64 binary bundled in org.signal:embedded-redis (test scope). */
    private static String findBinary() {
        String path = System.getenv().getOrDefault("PATH", "");
        List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin"));
        for (String d : dirs) {
            File f = new File(d, "redis-server");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return bundledBinary();
    }

    static String bundledBinary() {
        String arch = System.getProperty("os.arch");
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return null;
        }
        try (var in = PrivateRedis.class.getResourceAsStream("/redis-server-7.0.15-linux-amd64")) {
            if (in == null) {
                return null;
            }
            Path binary = Files.createTempFile("berth-redis-server", "");
            Files.copy(in, binary, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            binary.toFile().setExecutable(true);
            binary.toFile().deleteOnExit();
            return binary.toString();
        } catch (IOException e) {
            return null;
        }
    }

}
