package dev.berth.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import redis.clients.jedis.Jedis;

/** The shared Redis on 127.0.0.1:6379; tests that need it are skipped with a reason where none runs. */
final class SharedRedis {
    static final String URL = "redis://127.0.0.1:6379/0";

    private SharedRedis() {
    }

    static void assumeRunning() {
        boolean up;
        try (Jedis j = new Jedis("127.0.0.1", 6379)) {
            up = "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            up = false;
        }
        assumeTrue(up, "no Redis answers on 127.0.0.1:6379; start one (redis-server) to run the tests against the shared server");
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
        try (Jedis j = new Jedis("127.0.0.1", 6379)) {
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
