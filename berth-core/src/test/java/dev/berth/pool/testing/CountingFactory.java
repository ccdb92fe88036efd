package dev.berth.pool.testing;

import dev.berth.pool.ResourceFactory;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A resource factory for tests that counts everything and can be told to fail. Its fields are the test's to read
 * and set from any thread.
 */
public final class CountingFactory implements ResourceFactory<CountingFactory.Resource> {

    /** A pooled thing with an identity and an "in use" flag that catches double leasing. */
    public static final class Resource {
        /** The order of creation, from 1. */
        public final int id;
        public final AtomicBoolean inUse = new AtomicBoolean();
        public volatile boolean destroyed;

        Resource(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Resource#" + id;
        }
    }

    public final AtomicInteger created = new AtomicInteger();
    public final AtomicInteger destroyed = new AtomicInteger();
    public final AtomicInteger validations = new AtomicInteger();
    public final AtomicInteger resets = new AtomicInteger();
    public final Set<Resource> live = ConcurrentHashMap.newKeySet();
    /** While set, every creation throws it. */
    public final AtomicReference<Exception> createFailure = new AtomicReference<>();
    /** How many of the next creations fail (with an IllegalStateException), whatever {@link #createFailure} holds. */
    public final AtomicInteger failingCreations = new AtomicInteger();
    public volatile Predicate<Resource> valid = r -> true;
    public volatile Predicate<Resource> resettable = r -> true;

    @Override
    public Resource create() throws Exception {
        if (failingCreations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("the factory refused a new resource, as the test asked");
        }
        Exception failure = createFailure.get();
        if (failure != null) {
            throw failure;
        }
        Resource r = new Resource(created.incrementAndGet());
        live.add(r);
        return r;
    }

    @Override
    public boolean validate(Resource resource, Duration timeout) {
        validations.incrementAndGet();
        return valid.test(resource);
    }

    @Override
    public void reset(Resource resource) throws Exception {
        resets.incrementAndGet();
        if (!resettable.test(resource)) {
            throw new IllegalStateException("cannot reset " + resource);
        }
    }

    @Override
    public void destroy(Resource resource) {
        if (resource.destroyed) {
            throw new AssertionError(resource + " destroyed twice");
        }
        resource.destroyed = true;
        live.remove(resource);
        destroyed.incrementAndGet();
    }
}
