package dev.berth.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.web.RequestSession;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP API: JSON in and out, every error a JSON {@code {"error", "message"}} with a 4xx or 5xx (see
 * {@link Errors}). Handlers run behind the session middleware, so the request's connection, when a handler asks for
 * one, is {@link RequestSession#connection()}, committed before the response is sent.
 */
final class Api {
    private static final String JSON = "application/json";

    private final Services services;

    Api(Services services) {
        this.services = services;
    }

    /** What the handlers use; one per running service. */
    record Services(DemoRedis redis, Transfers transfers, Events events, FileStore files, List<PoolView> pools,
                    SlowRequests slowRequests, LoadGenerator load, Starvation starvation, Health health,
                    PrometheusMeterRegistry metrics, DemoConfig.Pools mode) {
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/api/accounts", api(this::createAccount))
                .get("/api/accounts/{id}", api(this::getAccount))
                .post("/api/transfers", api(this::transfer))
                .get("/api/events", api(this::events))
                .get("/api/files", api(this::listFiles))
                .put("/api/files/{name}", api(this::upload))
                .post("/api/files/{name}", api(this::upload))
                .get("/api/files/{name}", api(this::download))
                .get("/api/pools", api(this::pools))
                .post("/api/load", api(this::load))
                .post("/api/starve", api(this::starve))
                .get("/metrics", api(this::metrics))
                .get("/health", api(this::health))
                .any("/api/*", api((req, res) -> {
                    throw ApiException.notFound("no_such_endpoint", "there is no endpoint " + req.prologue().method().text()
                            + " " + req.path().path() + "; the API has POST /api/accounts, GET /api/accounts/{id}, "
                            + "POST /api/transfers, GET /api/events, GET|PUT /api/files/{name}, GET /api/pools, "
                            + "POST /api/load, POST /api/starve, GET /metrics and GET /health");
                }));
    }

    /** A handler whose every failure becomes the API's JSON error. */
    private static Handler api(Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();   // the server is stopping
                }
                Errors.send(req, res, e);
            }
        };
    }

    // ---- accounts and transfers --------------------------------------------------------------------------

    private void createAccount(ServerRequest req, ServerResponse res) throws Exception {
        String example = "{\"owner\": \"ada\", \"balance\": 1000}";
        ObjectNode body = Json.readObject(req.content().inputStream(), "an account", example);
        String owner = Json.text(body, "owner", true, "the account owner's name, such as \"ada\"").strip();
        if (owner.isEmpty() || owner.length() > 100) {
            throw ApiException.badRequest("invalid_field", "\"owner\" is \"" + abbreviate(owner)
                    + "\" but must be 1 to 100 characters, such as \"ada\"");
        }
        long balance = Json.wholeNumber(body, "balance", false, 0, "the opening balance in cents, 0 or more");
        if (balance < 0 || balance > Accounts.MAX_BALANCE) {
            throw ApiException.badRequest("invalid_field", "\"balance\" is " + balance + " but must be from 0 to "
                    + Accounts.MAX_BALANCE + " cents; accounts never go negative");
        }
        Account account = Accounts.create(RequestSession.connection(), owner, balance);
        res.header(HeaderNames.LOCATION, "/api/accounts/" + account.id());
        json(res, 201, account);
    }

    private void getAccount(ServerRequest req, ServerResponse res) throws Exception {
        long id = accountId(req.path().pathParameters().get("id"));
        Account account = services.redis().account(id, () -> Accounts.find(RequestSession.connection(), id));
        if (account == null) {
            throw ApiException.notFound("account_not_found", "no account " + id + "; create one with POST /api/accounts");
        }
        long requests = services.redis().countRequests(id)[0];
        json(res, 200, new AccountView(account.id(), account.owner(), account.balance(), requests));
    }

    /** An account with the number of API requests that touched it (a pipelined Redis counter). */
    record AccountView(long id, String owner, long balance, long requests) {
    }

    private void transfer(ServerRequest req, ServerResponse res) throws Exception {
        String example = "{\"from\": 1, \"to\": 2, \"amount\": 250}";
        ObjectNode body = Json.readObject(req.content().inputStream(), "a transfer", example);
        long from = Json.wholeNumber(body, "from", true, 0, "the id of the account to debit");
        long to = Json.wholeNumber(body, "to", true, 0, "the id of the account to credit");
        long amount = Json.wholeNumber(body, "amount", true, 0, "the cents to move, more than 0");
        Transfer done = services.transfers().transfer(from, to, amount);
        // After the commit: the cached balances are stale, the counters and the browsers learn of it. (A lookup that
        // read the old balance just before the commit may still cache it after this; the 1 min TTL bounds that.)
        DemoRedis redis = services.redis();
        redis.forgetAccount(from);
        redis.forgetAccount(to);
        redis.countRequests(from, to);
        redis.publish(Json.text(done.event()));
        json(res, 201, done);
    }

    private static long accountId(String text) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // explained below
        }
        throw ApiException.badRequest("invalid_account_id", "the account id '" + abbreviate(text)
                + "' is not an account number (a whole number above 0), as in /api/accounts/42");
    }

    // ---- events ------------------------------------------------------------------------------------------

    private void events(ServerRequest req, ServerResponse res) throws Exception {
        services.events().stream(res.sink(SseSink.TYPE));
    }

    // ---- files -------------------------------------------------------------------------------------------

    private void upload(ServerRequest req, ServerResponse res) throws Exception {
        String name = req.path().pathParameters().get("name");
        InputStream body = req.content().inputStream();
        try {
            FileStore.Stored stored = services.files().store(name, req.headers().contentLength(), body);
            res.header(HeaderNames.LOCATION, "/api/files/" + name);
            json(res, 201, stored);
        } catch (ApiException e) {
            if (e.status() == 413) {
                Errors.discardRest(body, res);
            }
            throw e;
        }
    }

    private void download(ServerRequest req, ServerResponse res) throws Exception {
        String name = req.path().pathParameters().get("name");
        services.files().send(name, size -> {
            res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
            res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + name + "\"");
            res.contentLength(size);
        }, res::outputStream);
    }

    private void listFiles(ServerRequest req, ServerResponse res) throws IOException {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("files", services.files().list());
        answer.put("maxBytes", services.files().maxBytes());
        json(res, 200, answer);
    }

    // ---- the dashboard's endpoints -----------------------------------------------------------------------

    private void pools(ServerRequest req, ServerResponse res) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("time", System.currentTimeMillis());
        answer.put("mode", services.mode().name().toLowerCase(java.util.Locale.ROOT));
        answer.put("pools", services.pools().stream().map(PoolView::snapshot).toList());
        answer.put("slowRequests", services.slowRequests().newestFirst());
        answer.put("load", services.load().status());
        json(res, 200, answer);
    }

    private void load(ServerRequest req, ServerResponse res) throws IOException {
        LoadGenerator.requireLoopback(req.remotePeer().address(), "the built-in load (run your own load tool against the API instead)");
        byte[] raw = req.content().inputStream().readNBytes(Json.MAX_BODY + 1);
        long requests = LoadGenerator.MAX_REQUESTS;
        long concurrency = 50;
        if (raw.length > 0) {
            ObjectNode body = Json.readObject(new java.io.ByteArrayInputStream(raw), "a load",
                    "{\"requests\": 500, \"concurrency\": 50}");
            requests = Json.wholeNumber(body, "requests", false, requests, "how many requests to send, 1 to "
                    + LoadGenerator.MAX_REQUESTS);
            concurrency = Json.wholeNumber(body, "concurrency", false, concurrency, "how many at once, 1 to "
                    + LoadGenerator.MAX_CONCURRENCY);
        }
        int total = services.load().start(requests, concurrency);
        json(res, 202, new LoadStarted(true, total));
    }

    /** The answer of {@code POST /api/load}. */
    record LoadStarted(boolean started, int total) {
    }

    private void starve(ServerRequest req, ServerResponse res) throws InterruptedException {
        LoadGenerator.requireLoopback(req.remotePeer().address(), "a starvation of the pool");
        Starvation.Result result = services.starvation().starve();
        json(res, 200, result);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(services.metrics().scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void health(ServerRequest req, ServerResponse res) {
        Health.Report report = services.health().check();
        json(res, report.up() ? 200 : 503, report);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    static void json(ServerResponse res, int status, Object body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(Json.bytes(body));
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
