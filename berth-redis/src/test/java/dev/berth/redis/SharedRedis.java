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

    /** A key no other test or person uses. */
    static String key(String name) {
        return "berth-test:" + name + ":" + java.util.UUID.randomUUID();
    }
}
