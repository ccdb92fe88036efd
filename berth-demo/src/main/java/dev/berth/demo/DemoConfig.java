package dev.berth.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The demo's settings. Each is read from, first to last: a command-line option ({@code --port 8080}), a system
 * property ({@code -Dberth.demo.port=8080}), an environment variable ({@code PORT}), the default.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>option</th><th>property</th><th>environment</th><th>default</th></tr>
 * <tr><td>--host</td><td>berth.demo.host</td><td>DEMO_HOST</td><td>127.0.0.1 (only this machine can reach it)</td></tr>
 * <tr><td>--port</td><td>berth.demo.port</td><td>PORT</td><td>8080; 0 picks a free port</td></tr>
 * <tr><td>--pools</td><td>berth.demo.pools</td><td>DEMO_POOLS</td><td>berth; hikari wires HikariCP and JedisPool</td></tr>
 * <tr><td>--database-url</td><td>berth.demo.databaseUrl</td><td>DATABASE_URL</td><td>none: an embedded PostgreSQL</td></tr>
 * <tr><td>--replica-urls</td><td>berth.demo.replicaUrls</td><td>DEMO_REPLICA_URLS</td><td>none; comma-separated
 *     PostgreSQL URLs of read replicas, each its own pool (GET requests read there)</td></tr>
 * <tr><td>--redis-url</td><td>berth.demo.redisUrl</td><td>REDIS_URL</td><td>none: an embedded Redis</td></tr>
 * <tr><td>--pool-size</td><td>berth.demo.poolSize</td><td>DEMO_POOL_SIZE</td><td>10 connections per pool</td></tr>
 * <tr><td>--acquire-timeout</td><td>berth.demo.acquireTimeout</td><td>DEMO_ACQUIRE_TIMEOUT</td><td>1s: a starved
 *     request gets its 503 quickly</td></tr>
 * <tr><td>--max-upload</td><td>berth.demo.maxUpload</td><td>DEMO_MAX_UPLOAD</td><td>10MiB</td></tr>
 * <tr><td>--files-dir</td><td>berth.demo.filesDir</td><td>DEMO_FILES_DIR</td><td>a temporary directory, deleted at exit</td></tr>
 * <tr><td>--slow-request</td><td>berth.demo.slowRequest</td><td>DEMO_SLOW_REQUEST</td><td>100ms</td></tr>
 * <tr><td>--overload-policy</td><td>berth.demo.overloadPolicy</td><td>DEMO_OVERLOAD_POLICY</td><td>shed: a request
 *     that could not get a connection within its timeout gets its 503 at once; fifo: it waits the timeout</td></tr>
 * </table>
 *
 * @param host the address to listen on
 * @param port the port, 0 for any free one
 * @param pools which pools serve the same API
 * @param databaseUrl the PostgreSQL URL, or {@code null} for an embedded server
 * @param replicaUrls read replicas (GET requests read there), each a pool of its own on the dashboard; may be empty
 * @param redisUrl the Redis URL, or {@code null} for an embedded server
 * @param poolSize the most connections of each pool
 * @param acquireTimeout the longest wait for a pooled connection before the request fails with 503
 * @param maxUploadBytes the largest file upload accepted
 * @param filesDir where uploads are kept, or {@code null} for a temporary directory
 * @param slowRequest requests at least this slow are logged and listed on the dashboard
 * @param overloadPolicy what berth's pools do when requests arrive faster than they serve them
 */
record DemoConfig(String host, int port, Pools pools, String databaseUrl, List<String> replicaUrls, String redisUrl,
                  int poolSize, Duration acquireTimeout, long maxUploadBytes, Path filesDir, Duration slowRequest,
                  dev.berth.pool.OverloadPolicy overloadPolicy) {

    /** Which pools the service runs on; the API is the same. */
    enum Pools {
        /** berth's BerthDataSource and RedisPool. */
        BERTH,
        /** HikariCP and Jedis's JedisPool, for a side-by-side comparison. */
        HIKARI
    }

    DemoConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(pools, "pools");
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        Objects.requireNonNull(slowRequest, "slowRequest");
        Objects.requireNonNull(overloadPolicy, "overloadPolicy");
        replicaUrls = List.copyOf(replicaUrls);
    }

    /** @return the defaults, on embedded servers */
    static DemoConfig defaults() {
        return new DemoConfig("127.0.0.1", 8080, Pools.BERTH, null, List.of(), null, 10, Duration.ofSeconds(1), 10L << 20, null,
                Duration.ofMillis(100), dev.berth.pool.OverloadPolicy.SHED);
    }

    DemoConfig withPort(int value) {
        return new DemoConfig(host, value, pools, databaseUrl, replicaUrls, redisUrl, poolSize, acquireTimeout, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withPools(Pools value) {
        return new DemoConfig(host, port, value, databaseUrl, replicaUrls, redisUrl, poolSize, acquireTimeout, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withDatabaseUrl(String value) {
        return new DemoConfig(host, port, pools, value, replicaUrls, redisUrl, poolSize, acquireTimeout, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withReplicaUrls(List<String> value) {
        return new DemoConfig(host, port, pools, databaseUrl, value, redisUrl, poolSize, acquireTimeout, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withRedisUrl(String value) {
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, value, poolSize, acquireTimeout, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withPoolSize(int value) {
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, redisUrl, value, acquireTimeout, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withAcquireTimeout(Duration value) {
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, redisUrl, poolSize, value, maxUploadBytes, filesDir, slowRequest, overloadPolicy);
    }

    DemoConfig withSlowRequest(Duration value) {
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, redisUrl, poolSize, acquireTimeout, maxUploadBytes, filesDir, value, overloadPolicy);
    }

    DemoConfig withOverloadPolicy(dev.berth.pool.OverloadPolicy value) {
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, redisUrl, poolSize, acquireTimeout, maxUploadBytes, filesDir, slowRequest, value);
    }

    DemoConfig withMaxUploadBytes(long value) {
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, redisUrl, poolSize, acquireTimeout, value, filesDir, slowRequest, overloadPolicy);
    }

    /**
     * Reads the settings.
     *
     * @param args the command line: {@code --name value} or {@code --name=value}, and {@code --help}
     * @param properties the system properties
     * @param env the environment
     * @return the settings
     * @throws IllegalArgumentException naming the bad option or value and what would be accepted
     */
    static DemoConfig from(String[] args, Properties properties, Map<String, String> env) {
        Map<String, String> options = parseArgs(args);
        Source source = new Source(options, properties, env);
        DemoConfig d = defaults();
        String host = source.get("host", "DEMO_HOST", d.host()).strip();
        int port = source.integer("port", "PORT", d.port(), 0, 65_535, "0 picks a free port");
        Pools pools = switch (source.get("pools", "DEMO_POOLS", "berth").strip().toLowerCase(Locale.ROOT)) {
            case "berth" -> Pools.BERTH;
            case "hikari" -> Pools.HIKARI;
            default -> throw new IllegalArgumentException(source.describe("pools", "DEMO_POOLS") + " is '"
                    + source.get("pools", "DEMO_POOLS", "") + "' but must be berth (berth's pools) or hikari (HikariCP and JedisPool)");
        };
        String databaseUrl = blankToNull(source.get("database-url", "DATABASE_URL", null));
        String replicas = blankToNull(source.get("replica-urls", "DEMO_REPLICA_URLS", null));
        List<String> replicaUrls = replicas == null ? List.of()
                : java.util.Arrays.stream(replicas.split(",")).map(String::strip).filter(u -> !u.isEmpty()).toList();
        String redisUrl = blankToNull(source.get("redis-url", "REDIS_URL", null));
        int poolSize = source.integer("pool-size", "DEMO_POOL_SIZE", d.poolSize(), 1, 1_000, "10 suits most machines");
        Duration acquireTimeout = source.duration("acquire-timeout", "DEMO_ACQUIRE_TIMEOUT", d.acquireTimeout());
        if (acquireTimeout.isZero()) {
            throw new IllegalArgumentException(source.describe("acquire-timeout", "DEMO_ACQUIRE_TIMEOUT")
                    + " must be longer than 0 (for example 1s)");
        }
        long maxUpload = source.bytes("max-upload", "DEMO_MAX_UPLOAD", d.maxUploadBytes());
        String files = blankToNull(source.get("files-dir", "DEMO_FILES_DIR", null));
        Duration slow = source.duration("slow-request", "DEMO_SLOW_REQUEST", d.slowRequest());
        dev.berth.pool.OverloadPolicy overload = switch (source.get("overload-policy", "DEMO_OVERLOAD_POLICY", "shed")
                .strip().toLowerCase(Locale.ROOT)) {
            case "shed" -> dev.berth.pool.OverloadPolicy.SHED;
            case "fifo" -> dev.berth.pool.OverloadPolicy.FIFO;
            default -> throw new IllegalArgumentException(source.describe("overload-policy", "DEMO_OVERLOAD_POLICY") + " is '"
                    + source.get("overload-policy", "DEMO_OVERLOAD_POLICY", "") + "' but must be shed (a request that could"
                    + " not be served in time gets its 503 at once) or fifo (it waits its whole acquire timeout)");
        };
        return new DemoConfig(host, port, pools, databaseUrl, replicaUrls, redisUrl, poolSize, acquireTimeout, maxUpload,
                files == null ? null : Path.of(files), slow, overload);
    }

    /** The options the command line accepts, for {@code --help}. */
    static String usage() {
        return """
                berth demo: accounts, transfers, files and a live dashboard of every pool.
                options (each also a system property such as -Dberth.demo.maxUpload=..., and an environment variable):
                  --host HOST              listen address (DEMO_HOST; default 127.0.0.1: only this machine)
                  --port N                 port, 0 for a free one (PORT; default 8080)
                  --pools berth|hikari     berth's pools, or HikariCP and JedisPool (DEMO_POOLS; default berth)
                  --database-url URL       postgres://user:password@host:5432/db (DATABASE_URL; default: embedded PostgreSQL)
                  --replica-urls URL,...   read replicas, each its own pool; GET requests read there (DEMO_REPLICA_URLS; default none)
                  --redis-url URL          redis://host:6379 (REDIS_URL; default: embedded Redis)
                  --pool-size N            connections per pool (DEMO_POOL_SIZE; default 10)
                  --acquire-timeout D      longest wait for a connection, e.g. 1s or 500ms (DEMO_ACQUIRE_TIMEOUT; default 1s)
                  --max-upload SIZE        largest upload, e.g. 10MiB (DEMO_MAX_UPLOAD; default 10MiB)
                  --files-dir DIR          where uploads are kept (DEMO_FILES_DIR; default: a temporary directory)
                  --slow-request D         slow-request threshold (DEMO_SLOW_REQUEST; default 100ms)
                  --overload-policy P      shed (a request that cannot be served in time gets its 503 at once) or fifo (DEMO_OVERLOAD_POLICY; default shed)
                """;
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'; options look like --port 8080 (see --help)");
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (name.equals("help")) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("option --" + name + " needs a value, for example --" + name + " <value> (see --help)");
            }
            if (!Source.KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; the options are " + Source.KNOWN.stream()
                        .map(o -> "--" + o).toList() + " (see --help)");
            }
            options.put(name, value);
        }
        return options;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** Parses "10MiB", "512KiB", "1GiB", "1000" (bytes). */
    static long parseBytes(String text) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        long unit = 1;
        for (var suffix : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}, {"kb", "1000"},
                {"mb", "1000000"}, {"gb", "1000000000"}, {"b", "1"}}) {
            if (lower.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                t = t.substring(0, t.length() - suffix[0].length()).strip();
                break;
            }
        }
        long number = Long.parseLong(t);
        if (number < 1) {
            throw new NumberFormatException("must be at least 1 byte");
        }
        return Math.multiplyExact(number, unit);
    }

    /** Parses "1s", "500ms", "2m", or a plain number of milliseconds. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Duration d;
        if (t.endsWith("ms")) {
            d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).strip()));
        } else if (t.endsWith("s")) {
            d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).strip()) * 1000));
        } else if (t.endsWith("m")) {
            d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).strip()) * 60);
        } else {
            d = Duration.ofMillis(Long.parseLong(t));
        }
        if (d.isNegative()) {
            throw new NumberFormatException("must not be negative");
        }
        return d;
    }

    /** Where a setting comes from: the command line, then system properties, then the environment. */
    private record Source(Map<String, String> options, Properties properties, Map<String, String> env) {
        static final java.util.List<String> KNOWN = java.util.List.of("help", "host", "port", "pools", "database-url", "replica-urls",
                "redis-url", "pool-size", "acquire-timeout", "max-upload", "files-dir", "slow-request", "overload-policy");

        String get(String option, String envName, String fallback) {
            if (options.containsKey(option)) {
                return options.get(option);
            }
            String property = properties.getProperty(propertyName(option));
            if (property != null) {
                return property;
            }
            String fromEnv = env.get(envName);
            return fromEnv != null ? fromEnv : fallback;
        }

        boolean given(String option, String envName) {
            return options.containsKey(option) || properties.getProperty(propertyName(option)) != null || env.get(envName) != null;
        }

        String describe(String option, String envName) {
            if (options.containsKey(option)) {
                return "--" + option;
            }
            if (properties.getProperty(propertyName(option)) != null) {
                return "system property " + propertyName(option);
            }
            return envName;
        }

        int integer(String option, String envName, int fallback, int min, int max, String hint) {
            if (!given(option, envName)) {
                return fallback;
            }
            String text = get(option, envName, null).strip();
            try {
                int value = Integer.parseInt(text);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // explained below
            }
            throw new IllegalArgumentException(describe(option, envName) + " is '" + text + "' but must be a whole number from "
                    + min + " to " + max + " (" + hint + ")");
        }

        Duration duration(String option, String envName, Duration fallback) {
            if (!given(option, envName)) {
                return fallback;
            }
            String text = get(option, envName, null);
            try {
                return parseDuration(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(describe(option, envName) + " is '" + text
                        + "' but must be a duration such as 1s, 500ms or 2m");
            }
        }

        long bytes(String option, String envName, long fallback) {
            if (!given(option, envName)) {
                return fallback;
            }
            String text = get(option, envName, null);
            try {
                return parseBytes(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(describe(option, envName) + " is '" + text
                        + "' but must be a size of at least 1 byte, such as 10MiB, 512KiB or 1000000");
            }
        }

        private static String propertyName(String option) {
            StringBuilder name = new StringBuilder("berth.demo.");
            boolean upper = false;
            for (char c : option.toCharArray()) {
                if (c == '-') {
                    upper = true;
                } else {
                    name.append(upper ? Character.toUpperCase(c) : c);
                    upper = false;
                }
            }
            return name.toString();
        }
    }
}
