package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The fallback for machines without redis-server: the binary bundled in org.signal:embedded-redis runs here. */
class EmbeddedRedisFallbackTest {

    @Test
    void theBundledRedisServerBinaryRunsOnThisMachine() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64")), "the bundled binary is for Linux x86-64 only");
        String binary = PrivateRedis.bundledBinary();
        assertThat(binary).isNotNull();
        try {
            Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).isZero();
            assertThat(out).contains("Redis server v=7.0");
        } finally {
            Files.deleteIfExists(Path.of(binary));
        }
    }
}
