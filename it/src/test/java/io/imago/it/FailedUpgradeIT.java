package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An upgrade that fails, or that validation rejects, leaves the old universe live, unfenced and unharmed. */
class FailedUpgradeIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        qs.destroyAllAndCheckNothingLeft();
    }

    @Test
    void aFailureBeforeTheSwitchReleasesTheNewUniverseAndV1KeepsTakingWrites() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("split_part(email, '@', 2)", "split_part(no_such_column, '@', 2)"));

        Cli.Result r = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("no_such_column"), r.err());
        assertTrue(r.err().contains("shop-v1 is still live"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());

        assertServesAndTakesWrites("shop-v1");
        JsonNode v2 = qs.universe("shop-v2");
        assertEquals("FAILED", v2.get("phase").asText());
        assertEquals(0, v2.get("resources").size(), "what v2 rented is released");
        assertTrue(v2.get("facts").get("lastError").asText().contains("no_such_column"));
    }

    @Test
    void aRejectedUniverseIsKeptForInspectionAndV1StaysLive() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("http: { path: /health, expect: 200 }",
                "http: { path: /api/customers/999999, expect: 200 }"));

        Cli.Result r = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("answered 404, expected 200"), r.err());

        assertServesAndTakesWrites("shop-v1");
        JsonNode v2 = qs.universe("shop-v2");
        assertEquals("REJECTED", v2.get("phase").asText());
        assertTrue(v2.get("resources").size() >= 3, "v2 is kept for inspection");
        assertTrue(v2.get("facts").get("rejectedBecause").asText().contains("404"));
    }

    @Test
    void anAppThatAnswersDifferentlyIsRejectedByCompare() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("ignore: [email_domain, servedAt]", "ignore: [servedAt]"));
        Cli.Result r = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("$.email_domain is new"), r.err());
        assertServesAndTakesWrites("shop-v1");
    }

    @Test
    void aWrongTransformIsRejectedByChecksumsNamingTheKeys() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        // not deterministic: the target's conversion cannot agree with the source's
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("split_part(email, '@', 2)", "md5(random()::text)"));
        Cli.Result r = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("customers differs from the converted customers"), r.err());
        assertTrue(r.err().contains("first differing keys: (1) (different values)"), r.err());
        assertServesAndTakesWrites("shop-v1");
    }

    @Test
    void aDrainLongerThanMaxWritePauseLiftsTheFenceAndLeavesV1Live() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        // Without data checks (which take their own bounded cut, see ConsistentCut), so that the switch's pause is what overruns.
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("maxWritePause: 2s", "maxWritePause: 1ms")
                .replace("  - rowCounts: true\n", "").replace("  - checksums: [customers, purchase_orders]\n", ""));
        Cli.Result r = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("SWITCHOVER failed"), r.err());
        assertTrue(r.err().contains("longer than switchover.maxWritePause"), r.err());
        assertServesAndTakesWrites("shop-v1");
    }

    @Test
    void aTableWithoutAKeyIsRefusedByNameBeforeAnythingIsRented() throws Exception {
        qs = new Quickstart(tmp);
        Files.writeString(qs.dir.resolve("schema-v1.sql"), Files.readString(qs.dir.resolve("schema-v1.sql"))
                + "\nCREATE TABLE audit_log (at timestamptz DEFAULT now(), message text);\n");
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        for (String command : new String[] {"validate", "plan", "apply"}) {
            Cli.Result r = command.equals("apply") ? qs.imago("apply", "--yes", qs.v2().toString()) : qs.imago(command, qs.v2().toString());
            assertEquals(2, r.code(), command + ": " + r);
            assertTrue(r.err().contains("table 'audit_log' of shop-v1 has no primary key"), command + ": " + r.err());
        }
        assertNull(qs.universe("shop-v2"), "nothing rented");
        assertServesAndTakesWrites("shop-v1");
    }

    private void assertServesAndTakesWrites(String universe) throws Exception {
        HttpResponse<String> get = qs.get("/api/customers/1");
        assertEquals(200, get.statusCode());
        assertEquals(universe, get.headers().firstValue("X-Universe").orElse(""));
        HttpResponse<String> post = qs.post("/api/customers", "{\"name\":\"After\",\"email\":\"after@ok.test\"}");
        assertEquals(201, post.statusCode(), "the old universe must not stay fenced: " + post.body());
        try (var c = qs.db(universe); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "a failed upgrade's slot would hold WAL back on production");
        }
    }
}
