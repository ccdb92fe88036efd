package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The accounts and transfers API end to end, on berth's pools; needs PostgreSQL and Redis (real or embedded). */
class DemoApiTest {

    @RegisterExtension
    static final DemoFixture demo = DemoFixture.perClass(settings -> settings);

    @Test
    void createdAccountCanBeLookedUp() {
        HttpResponse<String> created = demo.post("/api/accounts", "{\"owner\":\"ada\",\"balance\":1200}");
        assertThat(created.statusCode()).isEqualTo(201);
        long id = DemoFixture.json(created).get("id").asLong();
        assertThat(created.headers().firstValue("Location")).hasValue("/api/accounts/" + id);

        JsonNode account = DemoFixture.json(demo.get("/api/accounts/" + id));
        assertThat(account.get("owner").asText()).isEqualTo("ada");
        assertThat(account.get("balance").asLong()).isEqualTo(1200);
    }

    @Test
    void transferMovesMoneyAndTheCachedLookupSeesIt() {
        long from = demo.createAccount("from", 1_000);
        long to = demo.createAccount("to", 0);
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + from)).get("balance").asLong()).isEqualTo(1_000);   // now cached

        HttpResponse<String> moved = demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":300}");

        assertThat(moved.statusCode()).isEqualTo(201);
        JsonNode transfer = DemoFixture.json(moved);
        assertThat(transfer.get("fromBalance").asLong()).isEqualTo(700);
        assertThat(transfer.get("toBalance").asLong()).isEqualTo(300);
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + from)).get("balance").asLong()).isEqualTo(700);
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + to)).get("balance").asLong()).isEqualTo(300);
    }

    @Test
    void requestsPerAccountAreCounted() {
        long id = demo.createAccount("counted", 10);
        long first = DemoFixture.json(demo.get("/api/accounts/" + id)).get("requests").asLong();
        long second = DemoFixture.json(demo.get("/api/accounts/" + id)).get("requests").asLong();
        demo.post("/api/transfers", "{\"from\":" + id + ",\"to\":" + demo.createAccount("other", 0) + ",\"amount\":1}");
        long third = DemoFixture.json(demo.get("/api/accounts/" + id)).get("requests").asLong();

        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        assertThat(third).isEqualTo(4);   // the transfer counted once for each of its accounts
    }

    @Test
    void unknownAccountIs404() {
        assertError(demo.get("/api/accounts/999999999999"), 404, "account_not_found", "999999999999");
    }

    @Test
    void transferFromAnUnknownAccountIs404AndNamesIt() {
        long to = demo.createAccount("to", 0);
        assertError(demo.post("/api/transfers", "{\"from\":999999999998,\"to\":" + to + ",\"amount\":5}"), 404,
                "account_not_found", "999999999998");
    }

    @Test
    void zeroAmountIs400() {
        long from = demo.createAccount("a", 10);
        long to = demo.createAccount("b", 0);
        assertError(demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":0}"), 400,
                "invalid_amount", "\"amount\" is 0");
    }

    @Test
    void negativeAmountIs400AndNothingMoves() {
        long from = demo.createAccount("a", 10);
        long to = demo.createAccount("b", 0);
        assertError(demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":-5}"), 400,
                "invalid_amount", "\"amount\" is -5");
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + to)).get("balance").asLong()).isZero();
    }

    @Test
    void fractionalAmountIs400() {
        assertError(demo.post("/api/transfers", "{\"from\":1,\"to\":2,\"amount\":1.5}"), 400, "invalid_field", "1.5");
    }

    @Test
    void malformedJsonIs400WithThePosition() {
        assertError(demo.post("/api/transfers", "{\"from\": 1, \"to\": 2,"), 400, "malformed_json", "line 1, column");
    }

    @Test
    void bodyThatIsNotAnObjectIs400() {
        assertError(demo.post("/api/accounts", "[1, 2]"), 400, "malformed_json", "must be a JSON object");
    }

    @Test
    void missingFieldIs400NamingIt() {
        assertError(demo.post("/api/transfers", "{\"from\":1,\"to\":2}"), 400, "missing_field", "\"amount\" is missing");
    }

    @Test
    void transferToTheSameAccountIs400() {
        long id = demo.createAccount("self", 10);
        assertError(demo.post("/api/transfers", "{\"from\":" + id + ",\"to\":" + id + ",\"amount\":1}"), 400,
                "same_account", "both account " + id);
    }

    @Test
    void overdraftIs409AndNothingMoves() {
        long from = demo.createAccount("poor", 50);
        long to = demo.createAccount("rich", 0);
        assertError(demo.post("/api/transfers", "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":51}"), 409,
                "insufficient_funds", "has 50 but the transfer takes 51");
        assertThat(DemoFixture.json(demo.get("/api/accounts/" + from)).get("balance").asLong()).isEqualTo(50);
    }

    @Test
    void negativeOpeningBalanceIs400() {
        assertError(demo.post("/api/accounts", "{\"owner\":\"x\",\"balance\":-1}"), 400, "invalid_field", "\"balance\" is -1");
    }

    @Test
    void accountIdThatIsNotANumberIs400() {
        assertError(demo.get("/api/accounts/abc"), 400, "invalid_account_id", "'abc'");
    }

    @Test
    void unknownEndpointIsAJson404() {
        assertError(demo.get("/api/nothing-here"), 404, "no_such_endpoint", "GET /api/nothing-here");
    }

    static void assertError(HttpResponse<String> response, int status, String code, String messagePart) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode error = DemoFixture.json(response);
        assertThat(error.get("error").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).contains(messagePart);
    }
}
