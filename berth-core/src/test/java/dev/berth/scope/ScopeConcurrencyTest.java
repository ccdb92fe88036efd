package dev.berth.scope;

import static java.util.concurrent.CompletableFuture.completedFuture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Stress: many virtual threads entering scopes around one shared resource at the same time. */
class ScopeConcurrencyTest {

    private static final int CALLERS = 6_000;

    /** The shared resource: counts enters, exits, current holders, and exits that ran twice. */
    private final AtomicInteger enters = new AtomicInteger();
    private final AtomicInteger exits = new AtomicInteger();
    private final AtomicInteger holders = new AtomicInteger();
    private final AtomicInteger negativeHolders = new AtomicInteger();
    private final AtomicInteger doubleExits = new AtomicInteger();
    private final AtomicInteger bodies = new AtomicInteger();
    private final CountDownLatch never = new CountDownLatch(1);

    /** One scope per use of the shared resource; its exit notices being called twice. */
    private final class Use implements Scope<AtomicInteger> {
        private final AtomicBoolean exited = new AtomicBoolean();

        @Override
        public AtomicInteger enter() {
            enters.incrementAndGet();
            holders.incrementAndGet();
            return bodies;
        }

        @Override
        public boolean exit(Throwable failure) {
            if (!exited.compareAndSet(false, true)) {
                doubleExits.incrementAndGet();
                return false;
            }
            exits.incrementAndGet();
            if (holders.decrementAndGet() < 0) {
                negativeHolders.incrementAndGet();
            }
            return failure instanceof IllegalStateException; // suppresses some failures
        }
    }

    @Test
    void everyEnterOfThousandsOfVirtualThreadsIsMatchedByExactlyOneExit() {
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CALLERS; i++) {
                int kind = i % 6;
                callers.submit(() -> {
                    try {
                        switch (kind) {
                            case 0 -> Scopes.using(new Use(), counter -> counter.incrementAndGet());
                            case 1 -> Scopes.using(new Use(), counter -> {
                                counter.incrementAndGet();
                                throw new IOException("failed body");
                            });
                            case 2 -> Scopes.using(new Use(), counter -> {
                                counter.incrementAndGet();
                                throw new IllegalStateException("suppressed body failure");
                            });
                            case 3 -> Scopes.using(new Use(), Duration.ofMinutes(1), counter -> counter.incrementAndGet());
                            case 4 -> Scopes.using(new Use(), Duration.ofMillis(1), counter -> {
                                counter.incrementAndGet();
                                never.await(); // interrupted at the timeout
                                return null;
                            });
                            default -> Scopes.usingAsync(Scopes.async(new Use()),
                                    counter -> completedFuture(counter.incrementAndGet())).join();
                        }
                    } catch (Exception expected) {
                        // failures of kinds 1 and 4 are part of the mix
                    }
                    return null;
                });
            }
        }

        assertThat(bodies).hasValue(CALLERS);
        assertThat(enters).hasValue(CALLERS);
        assertThat(exits).hasValue(CALLERS);
        assertThat(doubleExits).hasValue(0);
        assertThat(negativeHolders).hasValue(0);
        assertThat(holders).hasValue(0);
    }
}
