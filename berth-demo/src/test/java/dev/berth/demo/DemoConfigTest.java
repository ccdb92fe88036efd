package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Settings from the command line, system properties and the environment; no servers needed. */
class DemoConfigTest {

    private static DemoConfig read(Map<String, String> env, String... args) {
        return DemoConfig.from(args, new Properties(), env);
    }

    @Test
    void defaultsListenOnLoopbackWithBerthPoolsAndEmbeddedServers() {
        DemoConfig config = read(Map.of());
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.pools()).isEqualTo(DemoConfig.Pools.BERTH);
        assertThat(config.databaseUrl()).isNull();
        assertThat(config.redisUrl()).isNull();
        assertThat(config.maxUploadBytes()).isEqualTo(10L << 20);
    }

    @Test
    void environmentIsReadAndTheCommandLineWins() {
        DemoConfig config = read(Map.of("PORT", "9000", "DEMO_POOLS", "hikari", "DATABASE_URL", "postgres://u:p@db/app",
                "REDIS_URL", "redis://cache:6379"), "--port", "0");
        assertThat(config.port()).isZero();
        assertThat(config.pools()).isEqualTo(DemoConfig.Pools.HIKARI);
        assertThat(config.databaseUrl()).isEqualTo("postgres://u:p@db/app");
        assertThat(config.redisUrl()).isEqualTo("redis://cache:6379");
    }

    @Test
    void systemPropertyBeatsTheEnvironment() {
        Properties properties = new Properties();
        properties.setProperty("berth.demo.pools", "hikari");
        properties.setProperty("berth.demo.maxUpload", "512KiB");
        DemoConfig config = DemoConfig.from(new String[0], properties, Map.of("DEMO_POOLS", "berth"));
        assertThat(config.pools()).isEqualTo(DemoConfig.Pools.HIKARI);
        assertThat(config.maxUploadBytes()).isEqualTo(512 * 1024);
    }

    @Test
    void sizesAndDurationsTakeUnits() {
        DemoConfig config = read(Map.of(), "--max-upload=2MiB", "--acquire-timeout", "250ms", "--slow-request", "1.5s");
        assertThat(config.maxUploadBytes()).isEqualTo(2L << 20);
        assertThat(config.acquireTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.slowRequest()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void badPortNamesTheValueAndTheRange() {
        assertThatThrownBy(() -> read(Map.of("PORT", "eighty")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PORT is 'eighty'")
                .hasMessageContaining("from 0 to 65535");
    }

    @Test
    void unknownPoolsModeNamesTheChoices() {
        assertThatThrownBy(() -> read(Map.of(), "--pools", "c3p0"))
                .hasMessageContaining("--pools is 'c3p0'")
                .hasMessageContaining("berth")
                .hasMessageContaining("hikari");
    }

    @Test
    void badUploadLimitIsRefused() {
        assertThatThrownBy(() -> read(Map.of("DEMO_MAX_UPLOAD", "lots")))
                .hasMessageContaining("DEMO_MAX_UPLOAD is 'lots'")
                .hasMessageContaining("10MiB");
    }

    @Test
    void unknownOptionIsRefused() {
        assertThatThrownBy(() -> read(Map.of(), "--prot", "80"))
                .hasMessageContaining("unknown option --prot");
    }

    @Test
    void optionWithoutValueIsRefused() {
        assertThatThrownBy(() -> read(Map.of(), "--port"))
                .hasMessageContaining("--port needs a value");
    }
}
