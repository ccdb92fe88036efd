package dev.berth.demo;

import dev.berth.files.TempDirectory;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the demo's own on a free loopback port, for when no {@code REDIS_URL} is given: the binary
 * bundled in {@code org.signal:embedded-redis} (Redis 7.0, Linux x86-64), or a {@code redis-server} on the PATH
 * elsewhere. Nothing is saved to disk; {@link #close()} stops it and deletes its files.
 */
final class EmbeddedRedis implements AutoCloseable {
    private static final String BUNDLED = "/redis-server-7.0.15-linux-amd64";

    private final TempDirectory dir;
    private final Process process;
    private final int port;

    private EmbeddedRedis(TempDirectory dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /** Starts the server and returns once it accepts connections. */
    static EmbeddedRedis start() throws IOException, InterruptedException {
        TempDirectory dir = TempDirectory.create("berth-demo-redis-");
        try {
            String binary = binary(dir.path());
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Process process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.path().toString(), "--protected-mode", "yes")
                    .redirectErrorStream(true).start();
            awaitReady(process, port);
            return new EmbeddedRedis(dir, process, port);
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeQuietly(dir);
            throw e;
        }
    }

    /** @return {@code redis://127.0.0.1:<port>/0} */
    String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Waits for the "Ready to accept connections" line on the server's output; fails with its output if it exits. */
    private static void awaitReady(Process process, int port) throws IOException, InterruptedException {
        CountDownLatch ready = new CountDownLatch(1);
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.ofVirtual().name("embedded-redis-output").start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (output.size() < 50) {
                        output.add(line);
                    }
                    if (line.contains("Ready to accept connections")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended; reported through its exit
            }
            ready.countDown();
        });
        if (!ready.await(15, TimeUnit.SECONDS) || !process.isAlive()) {
            process.destroyForcibly();
            throw new IOException("the embedded redis-server did not start on port " + port + ": "
                    + String.join(" | ", output) + "; set REDIS_URL to use a Redis of your own");
        }
    }

    private static String binary(Path dir) throws IOException {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
            try (InputStream in = EmbeddedRedis.class.getResourceAsStream(BUNDLED)) {
                if (in != null) {
                    Path binary = dir.resolve("redis-server");
                    Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
                    if (!binary.toFile().setExecutable(true, true)) {
                        throw new IOException("cannot make " + binary + " executable");
                    }
                    return binary.toString();
                }
            }
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(d, "redis-server");
            if (candidate.canExecute()) {
                return candidate.getAbsolutePath();
            }
        }
        throw new IOException("no Redis to start: the bundled redis-server is for Linux x86-64 only (this is " + os + " "
                + arch + ") and there is no redis-server on the PATH; install Redis or set REDIS_URL");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        closeQuietly(dir);
    }

    private static void closeQuietly(TempDirectory dir) {
        try {
            dir.close();
        } catch (IOException e) {
            System.getLogger(EmbeddedRedis.class.getName()).log(System.Logger.Level.WARNING,
                    "the embedded Redis's directory was not deleted: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "embedded Redis on 127.0.0.1:" + port;
    }
}
