package dev.berth.pool.testing;

import dev.berth.pool.Pool;
import dev.berth.pool.PoolConfig;
import dev.berth.pool.ResourceFactory;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The pools a test opens, every one closed after the test, however it ended: the set-up each pool test would
 * otherwise repeat. A test class names its factory and its default settings once, and each test says only how
 * its pool differs:
 * {@snippet :
 * private final CountingFactory factory = new CountingFactory();
 * @RegisterExtension
 * final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("test").maxSize(2));
 *
 * @Test
 * void test() throws Exception {
 *     Pool<Resource> pool = pools.open(config -> config.maxSize(1));
 * }
 * }
 *
 * <p>Safe to open pools from several threads of one test. Pools are closed in the order they were opened;
 * closing one the test already closed does nothing (a pool's {@code close()} is idempotent).
 *
 * @param <R> the resource type of the factory the pools use by default
 */
public final class TestPools<R> implements AfterEachCallback {
    private final ResourceFactory<R> factory;
    private final Supplier<PoolConfig.Builder> defaults;
    private final List<Pool<?>> opened = new CopyOnWriteArrayList<>();

    private TestPools(ResourceFactory<R> factory, Supplier<PoolConfig.Builder> defaults) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
    }

    /**
     * @param factory the factory of every pool opened without one
     * @param defaults a fresh builder with the test class's settings, asked once per pool
     * @param <R> the resource type
     * @return pools to register with {@code @RegisterExtension}
     */
    public static <R> TestPools<R> over(ResourceFactory<R> factory, Supplier<PoolConfig.Builder> defaults) {
        return new TestPools<>(factory, defaults);
    }

    /** @return a pool on the default settings, closed after the test */
    public Pool<R> open() {
        return open(config -> config);
    }

    /**
     * @param tweak changes the default settings for this pool
     * @return a pool, closed after the test
     */
    public Pool<R> open(UnaryOperator<PoolConfig.Builder> tweak) {
        return open(tweak, factory);
    }

    /**
     * @param tweak changes the default settings for this pool
     * @param other the factory of this pool instead of the default one
     * @param <T> its resource type
     * @return a pool, closed after the test
     */
    public <T> Pool<T> open(UnaryOperator<PoolConfig.Builder> tweak, ResourceFactory<T> other) {
        Pool<T> pool = Pool.open(tweak.apply(defaults.get()).build(), other);
        opened.add(pool);
        return pool;
    }

    /** Closes every pool opened during the test; a failure to close one does not leave the others open. */
    @Override
    public void afterEach(ExtensionContext context) {
        RuntimeException failure = null;
        for (Pool<?> pool : opened) {
            try {
                pool.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        opened.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
