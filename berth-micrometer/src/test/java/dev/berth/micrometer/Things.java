package dev.berth.micrometer;

import dev.berth.pool.ResourceFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/** An in-memory resource factory for tests: numbered things, with creation failures and dead things on demand. */
final class Things implements ResourceFactory<Things.Thing> {

    /** A pooled thing; its id tells the order of creation, from 1. */
    record Thing(int id) { }

    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    /** How many of the next creations fail. */
    final AtomicInteger failingCreations = new AtomicInteger();
    /** Which thing ids validate as alive. */
    volatile IntPredicate alive = id -> true;

    @Override
    public Thing create() {
        if (failingCreations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("the thing server refused a new thing");
        }
        return new Thing(created.incrementAndGet());
    }

    @Override
    public boolean validate(Thing thing, Duration timeout) {
        return alive.test(thing.id());
    }

    @Override
    public void destroy(Thing thing) {
        destroyed.incrementAndGet();
    }
}
