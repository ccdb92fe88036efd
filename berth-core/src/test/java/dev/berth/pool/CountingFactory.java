package dev.berth.pool;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/** A resource factory for tests that counts everything and can be told to fail. */
final class CountingFactory implements ResourceFactory<CountingFactory.Resource> {

    /** A pooled thing with an identity and an "in use" flag that catches double leasing. */
    static final class Resource {
        final int id;
        final AtomicBoolean inUse = new AtomicBoolean();
        volatile boolean destroyed;

        Resource(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Resource#" + id;
        }
    }

    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    final AtomicInteger validations = new AtomicInteger();
    final AtomicInteger resets = new AtomicInteger();
    final Set<Resource> live = ConcurrentHashMap.newKeySet();
    final AtomicReference<Exception> createFailure = new AtomicReference<>();
    volatile Predicate<Resource> valid = r -> true;
    volatile Predicate<Resource> resettable = r -> true;

    @Override
    public Resource create() throws Exception {
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
