package dev.berth.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link PrivateRedis} for all the tests of a class, as a JUnit extension: launched before the first test,
 * stopped after the last. Where no redis-server binary is installed the whole class is skipped.
 *
 * {@snippet :
 * @RegisterExtension
 * static final PrivateRedisPerClass REDIS = new PrivateRedisPerClass();
 *
 * @Test
 * void pipelines() {
 *     try (RedisPool redis = RedisPool.builder(REDIS.server().url()).build()) { ... }
 * }
 * }
 */
final class PrivateRedisPerClass implements BeforeAllCallback, AfterAllCallback {
    private PrivateRedis server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = PrivateRedis.launch();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** @return the class's server, running while the class runs */
    PrivateRedis server() {
        return server;
    }
}
