package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrent transfers over HTTP keep the books straight: SERIALIZABLE with retry, on berth's pools. Needs
 * PostgreSQL and Redis (real or embedded).
 */
class DemoConcurrencyTest {
    private static final int ACCOUNTS = 8;
    private static final int TRANSFERS = 200;
    private static final long OPENING = 500;

    // A long acquire timeout: this test is about the books, not about starvation (see DemoStarvationTest).
    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings.withAcquireTimeout(Duration.ofSeconds(20)));

    @Test
    void concurrentTransfersKeepTheTotalAndNeverOverdraw() throws Exception {
        List<Long> accounts = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            accounts.add(demo.createAccount("concurrent-" + i, OPENING));
        }
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < TRANSFERS; i++) {
                done.add(clients.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    int a = random.nextInt(ACCOUNTS);
                    int b = (a + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                    // Amounts up to 300 against balances of 500: some transfers must be refused for lack of funds.
                    HttpResponse<String> response = demo.post("/api/transfers", "{\"from\":" + accounts.get(a) + ",\"to\":"
                            + accounts.get(b) + ",\"amount\":" + (1 + random.nextInt(300)) + "}");
                    statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                    return null;
                }));
            }
        }
        for (Future<?> f : done) {
            f.get();
        }

        assertThat(statuses.keySet()).as("statuses %s", statuses).isSubsetOf(201, 409);
        assertThat(statuses.get(201)).as("statuses %s", statuses).isNotNull();
        long total = 0;
        try (Connection c = TestPostgres.plainConnection();
             PreparedStatement select = c.prepareStatement("SELECT balance FROM " + Schema.ACCOUNTS + " WHERE id = ANY (?)")) {
            select.setArray(1, c.createArrayOf("bigint", accounts.toArray()));
            try (ResultSet rs = select.executeQuery()) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    assertThat(rs.getLong(1)).as("a balance").isNotNegative();
                    total += rs.getLong(1);
                }
                assertThat(rows).isEqualTo(ACCOUNTS);
            }
            try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + Schema.TRANSFERS + " WHERE from_id = ANY (?)")) {
                count.setArray(1, c.createArrayOf("bigint", accounts.toArray()));
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("transfers recorded").isEqualTo(statuses.get(201).get());
                }
            }
        }
        assertThat(total).isEqualTo(ACCOUNTS * OPENING);
    }
}
