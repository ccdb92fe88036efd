package dev.berth.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The machine's PostgreSQL server binaries ({@code initdb}, {@code pg_ctl}, ...), run as an OS user PostgreSQL
 * accepts: PostgreSQL refuses to run as root, so under root every tool runs as {@code postgres} through
 * {@code runuser}. Looked up in {@code $BERTH_PG_BIN}, then the newest {@code /usr/lib/postgresql/<version>/bin}.
 */
final class PostgresBinaries {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> TOOLS = List.of("initdb", "pg_ctl", "pg_basebackup", "postgres");

    private final Path bin;
    private final List<String> asPostgres;

    private PostgresBinaries(Path bin, List<String> asPostgres) {
        this.bin = bin;
        this.asPostgres = asPostgres;
    }

    /** @return why the binaries cannot run on this machine, or {@code null} when they can */
    static String unavailableReason() {
        Path bin = findBin();
        if (bin == null) {
            return "no PostgreSQL server binaries (" + String.join(", ", TOOLS) + ") in $BERTH_PG_BIN or /usr/lib/postgresql/*/bin;"
                    + " install postgresql (e.g. apt-get install postgresql-15) to run the replica and failover tests";
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

    /** @throws IllegalStateException with {@link #unavailableReason()} when they cannot run here */
    static PostgresBinaries find() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        return new PostgresBinaries(findBin(),
                isRoot() ? List.of(findOnPath("runuser").toString(), "-u", "postgres", "--") : List.of());
    }

    /** @return a new empty directory under the temporary directory, owned by the user the servers run as */
    Path newDirectory(String prefix) throws IOException {
        return Path.of(run(List.of("mktemp", "-d", System.getProperty("java.io.tmpdir") + "/" + prefix + ".XXXXXX"), null).strip());
    }

    /** Runs one of the binaries in {@code workDir}; fails with its output when it fails. */
    String tool(Path workDir, String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve(name).toString());
        command.addAll(List.of(args));
        return run(command, workDir);
    }

    private String run(List<String> command, Path workDir) throws IOException {
        List<String> full = new ArrayList<>(asPostgres);
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
                    .filter(PostgresBinaries::hasTools)
                    .max(Comparator.comparingInt(PostgresBinaries::majorVersion))
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

    @Override
    public String toString() {
        return "PostgreSQL binaries in " + bin + (asPostgres.isEmpty() ? "" : ", run as postgres");
    }
}
