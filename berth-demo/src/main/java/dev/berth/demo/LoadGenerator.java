package dev.berth.demo;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code POST /api/load}: a short, bounded load of the service against itself, so the dashboard has something to
 * show: it creates a few accounts, then sends transfers between them and account lookups (about 7 to 3) from
 * {@code concurrency} virtual threads, until {@code requests} were sent or {@value #MAX_SECONDS} s passed. Only
 * loopback callers may start it, and only one runs at a time. Thread-safe.
 */
final class LoadGenerator implements AutoCloseable {
    static final int MAX_REQUESTS = 2_000;
    static final int MAX_CONCURRENCY = 200;
    static final int MAX_SECONDS = 10;
    private static final int ACCOUNTS = 10;

    private final java.util.function.Supplier<URI> base;
    private final HttpClient client;
    private final ExecutorService clientThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** How long the failed requests took, together and the longest: shed at once, or after a whole timeout. */
    private final AtomicLong errorNanos = new AtomicLong();
    private final AtomicLong longestError = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private volatile long startedAt;
    private volatile long endedAt;
    private volatile int total;
    private volatile Thread runner;

    /** @param base the service's own address, such as {@code http://127.0.0.1:8080}, known once it listens */
    LoadGenerator(java.util.function.Supplier<URI> base) {
        this.base = base;
        this.client = HttpClient.newBuilder().executor(clientThreads).connectTimeout(Duration.ofSeconds(2)).build();
    }

    /**
     * The load's progress, in the contract's JSON shape, and how it went: how long failed requests took on average and
     * at most (a 503 shed at once costs the client milliseconds, one that waited a timeout costs the timeout), and the
     * successful requests per second.
     */
    record Status(boolean running, long sent, long total, long errors, long errorMsMean, long errorMsMax, long okPerSecond) {
    }

    Status status() {
        Thread r = runner;
        boolean running = r != null && r.isAlive();
        long failed = errors.get();
        long millis = Duration.ofNanos((running || endedAt == 0 ? System.nanoTime() : endedAt) - startedAt).toMillis();
        return new Status(running, sent.get(), total, failed, failed == 0 ? 0 : errorNanos.get() / failed / 1_000_000,
                longestError.get() / 1_000_000, millis <= 0 ? 0 : ok.get() * 1_000 / millis);
    }

    /**
     * Refuses callers that are not on this machine: the demo's self-harm endpoints (load, starvation) stay local
     * even when the demo listens on other addresses.
     *
     * @param what what the caller asked for, for the message ("the built-in load")
     * @throws ApiException 403 naming the caller's address
     */
    static void requireLoopback(SocketAddress caller, String what) {
        InetAddress address = caller instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (address == null || !address.isLoopbackAddress()) {
            throw new ApiException(403, "not_loopback", what + " may only be started from this machine (127.0.0.1 "
                    + "or ::1), not from " + (address == null ? caller : address.getHostAddress()));
        }
    }

    /**
     * Starts a load in the background.
     *
     * @return how many requests it will send at most
     * @throws ApiException 400 for bad numbers, 409 when a load is running
     */
    int start(long requests, long concurrency) {
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw ApiException.badRequest("invalid_field", "\"requests\" is " + requests + " but must be from 1 to " + MAX_REQUESTS);
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw ApiException.badRequest("invalid_field", "\"concurrency\" is " + concurrency + " but must be from 1 to "
                    + MAX_CONCURRENCY);
        }
        lifecycle.lock();
        try {
            Thread r = runner;
            if (r != null && r.isAlive()) {
                throw ApiException.conflict("load_running", "a load is already running (" + sent.get() + " of " + total
                        + " requests sent); wait for it to finish (at most " + MAX_SECONDS + " s), see \"load\" in GET /api/pools");
            }
            if (stop.get()) {
                throw new ApiException(503, "shutting_down", "the service is shutting down");
            }
            sent.set(0);
            errors.set(0);
            errorNanos.set(0);
            longestError.set(0);
            ok.set(0);
            startedAt = System.nanoTime();
            endedAt = 0;
            total = (int) requests;
            runner = Thread.ofVirtual().name("demo-load").start(() -> run((int) requests, (int) concurrency));
            return total;
        } finally {
            lifecycle.unlock();
        }
    }

    private void run(int requests, int concurrency) {
        long deadline = System.nanoTime() + Duration.ofSeconds(MAX_SECONDS).toNanos();
        List<Long> accounts = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS && System.nanoTime() < deadline && sent.get() < requests; i++) {
            HttpResponse<String> created = send("POST", "/api/accounts", "{\"owner\":\"load-" + (i + 1) + "\",\"balance\":1000000}");
            if (created != null && created.statusCode() == 201) {
                accounts.add(Json.read(created.body(), Account.class).id());
            }
        }
        if (accounts.size() < 2) {
            return;   // the errors are counted; the service is not able to serve
        }
        AtomicLong next = new AtomicLong(sent.get());
        List<Thread> workers = new ArrayList<>(concurrency);
        for (int w = 0; w < concurrency; w++) {
            workers.add(Thread.ofVirtual().name("demo-load-" + w).start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get() && System.nanoTime() < deadline && next.getAndIncrement() < requests) {
                    long from = accounts.get(random.nextInt(accounts.size()));
                    if (random.nextInt(10) < 7) {
                        long to = accounts.get(random.nextInt(accounts.size()));
                        if (to == from) {
                            to = accounts.get((accounts.indexOf(from) + 1) % accounts.size());
                        }
                        send("POST", "/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":" + (1 + random.nextInt(10)) + "}");
                    } else {
                        send("GET", "/api/accounts/" + from, null);
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                stop.set(true);
                Thread.currentThread().interrupt();
                return;
            }
        }
        endedAt = System.nanoTime();
    }

    private HttpResponse<String> send(String method, String path, String json) {
        sent.incrementAndGet();
        HttpRequest.Builder request = HttpRequest.newBuilder(base.get().resolve(path)).timeout(Duration.ofSeconds(5));
        request = json == null ? request.GET()
                : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                failed(start);
            } else {
                ok.incrementAndGet();
            }
            return response;
        } catch (java.io.IOException e) {
            failed(start);
            return null;
        } catch (InterruptedException e) {
            stop.set(true);
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void failed(long start) {
        long took = System.nanoTime() - start;
        errors.incrementAndGet();
        errorNanos.addAndGet(took);
        longestError.accumulateAndGet(took, Math::max);
    }

    /** Stops a running load and waits for it. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        Thread r;
        lifecycle.lock();
        try {
            r = runner;
        } finally {
            lifecycle.unlock();
        }
        if (r != null) {
            r.join(Duration.ofSeconds(MAX_SECONDS));
        }
        client.close();
        clientThreads.close();
    }
}
