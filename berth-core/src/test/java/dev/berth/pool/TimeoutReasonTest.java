package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An acquire timeout says why the pool had nothing to give: holders only when they hold every resource; a
 * creation that fails or hangs when that is what keeps the pool short, with the failure as the cause.
 */
class TimeoutReasonTest {
    private final CountingFactory factory = new CountingFactory();
    private final CountDownLatch release = new CountDownLatch(1);
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder().name("reason")
            .acquireTimeout(Duration.ofSeconds(10)).closeGrace(Duration.ofSeconds(1)).validationTimeout(Duration.ofSeconds(1)));

    @AfterEach
    void releaseHungCreations() {
        release.countDown();
    }

    @Test
    void whenHoldersHoldEveryResourceTheErrorBlamesTheHolders() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        try (Lease<Resource> held = pool.acquire()) {
            PoolTimeoutException timeout = catchThrowableOfType(PoolTimeoutException.class,
                    () -> pool.acquire(Duration.ofMillis(50)));

            assertThat(timeout.getMessage()).contains("Leases are held too long").contains("raise maxSize");
            assertThat(timeout.getCause()).isNull();
        }
    }

    @Test
    void whenCreationHangsTheErrorSaysSoAndDoesNotBlameHolders() {
        ResourceFactory<String> hanging = new ResourceFactory<>() {
            @Override
            public String create() throws Exception {
                release.await();
                return "late";
            }

            @Override
            public void destroy(String resource) {
            }
        };
        Pool<String> pool = pools.open(c -> c.maxSize(2), hanging);

        PoolTimeoutException timeout = catchThrowableOfType(PoolTimeoutException.class,
                () -> pool.acquire(Duration.ofMillis(100)));

        assertThat(timeout.getMessage())
                .contains("0 of its 2 resources (0 leased)")
                .contains("creation(s) under way")
                .contains("Holders are not the reason")
                .doesNotContain("raise maxSize");
    }

    @Test
    void whenCreationFailsWhileOthersAreLeasedTheErrorCarriesTheFailure() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(2));
        try (Lease<Resource> held = pool.acquire()) {
            factory.createFailure.set(new IOException("password authentication failed for user \"app\""));

            PoolTimeoutException timeout = catchThrowableOfType(PoolTimeoutException.class,
                    () -> pool.acquire(Duration.ofMillis(300)));

            assertThat(timeout.getMessage())
                    .contains("1 of its 2 resources (1 leased)")
                    .contains("cannot create more")
                    .contains("password authentication failed")
                    .doesNotContain("raise maxSize");
            assertThat(timeout.getCause()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void afterCreationRecoversAnOldFailureIsNoLongerTheCause() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.maxSize(1));
        factory.failingCreations.set(1);
        catchThrowableOfType(PoolException.class, pool::acquire); // nothing exists: the waiter fails with the cause
        try (Lease<Resource> held = pool.acquire()) {
            PoolTimeoutException timeout = catchThrowableOfType(PoolTimeoutException.class,
                    () -> pool.acquire(Duration.ofMillis(50)));

            assertThat(timeout.getCause()).isNull();
            assertThat(timeout.getMessage()).contains("Leases are held too long");
        }
    }
}
