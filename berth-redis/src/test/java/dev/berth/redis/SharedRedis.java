package dev.berth.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import redis.clients.jedis.Jedis;

/**
 * The shared Redis on 127.0.0.1:6379, or, where none runs there, one private redis-server for the whole test
 * run (stopped when the JVM exits); tests are skipped with a reason only when neither is possible.
 */
final class SharedRedis {
    private static final String SHARED = "redis://127.0.0.1:6379/0";
    private static final java.util.concurrent.locks.ReentrantLock LOCK = new java.util.concurrent.locks.ReentrantLock();
    private static volatile String url;
    private static int port = 6379;

    private SharedRedis() {
    }

    /** @return the URL of the Redis the "shared server" tests use; skips the test when there is none */
    static String url() {
        LOCK.lock();
        try {
            return resolve();
        } finally {
            LOCK.unlock();
        }
    }

    private static String resolve() {
        if (url == null) {
            boolean up;
            try (Jedis j = new Jedis("127.0.0.1", 6379)) {
                up = "PONG".equals(j.ping());
            } catch (RuntimeException e) {
                up = false;
            }
            if (up) {
                url = SHARED;
            } else {
                try {
                    PrivateRedis fallback = PrivateRedis.launch();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            fallback.close();
                        } catch (Exception ignored) {
                            // the JVM is going away
                        }
                    }));
                    port = fallback.port();
                    url = fallback.url();
                } catch (java.io.IOException e) {
                    assumeTrue(false, "no Redis on 127.0.0.1:6379 and no redis-server could be started: " + e);
                }
            }
        }
        return url;
    }

    private static final java.util.Set<String> KEYS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A key no other test or person uses; {@link #deleteKeys()} removes it (and anything under it) from 6379. */
    static String key(String name) {
        String key = "berth-test:" + name + ":" + java.util.UUID.randomUUID();
        KEYS.add(key);
        return key;
    }

    /** Deletes the keys this JVM's tests made on the shared server (prefixes included: "key:*"). */
    static void deleteKeys() {
        if (url == null) {
            return;
        }
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            for (String key : KEYS) {
                j.del(key);
                for (String under : j.keys(key + ":*")) {
                    j.del(under);
                }
            }
        } catch (RuntimeException e) {
            // the server went away; nothing to clean
        }
        KEYS.clear();
    }
}
