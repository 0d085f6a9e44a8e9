package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL restart of either server while CATCH_UP ships, under a writer straight to the old database: log
 * shipping reconnects and resumes from its recorded position, the copy is not done again, and every write the old
 * database acknowledged reaches the new one.
 */
class CatchUpRestartIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"shop-v1", "shop-v2"})
    void aServerRestartDuringCatchUpCostsAReconnectNotACopy(String restarted) throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Writers.Bypassing bypass = Writers.Bypassing.on(qs, "shop-v1", "orders");
        PausedRun run = PausedRun.at(tmp, "CATCH_UP:shipping", "apply", "--yes", qs.v2().toString());
        Thread.sleep(500); // shipping under way, the writer still writing
        restart(restarted);
        run.release();
        Cli.Result r = run.finish(5);
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("reconnect"), "the reconnect is reported:\n" + r.out());
        bypass.close();

        JsonNode journal = qs.universe("shop-v2").get("journal");
        long copies = 0;
        for (JsonNode j : journal) {
            if (j.get("step").asText().equals("SNAPSHOT") && j.get("status").asText().equals("STARTED")) {
                copies++;
            }
        }
        assertEquals(1, copies, "the copy ran once: " + journal);
        try (Connection c = qs.db("shop-v2")) {
            assertEquals(java.util.Set.of(), Writers.missing(c, "purchase_orders", bypass.acknowledged),
                    "writes shop-v1 acknowledged that shop-v2 lacks (" + bypass.acknowledged.size() + " acknowledged)");
        }
    }

    /** pg_ctl restart -m fast of the universe's server, as the user it runs as. */
    private void restart(String universe) throws Exception {
        JsonNode tag = Quickstart.JSON.readTree(tmp.resolve(".imago/providers/local/" + universe + "/database/" + universe + "-db.json").toFile());
        List<String> cmd = new ArrayList<>();
        String runAs = tag.path("runAs").asText("");
        if (!runAs.isEmpty()) {
            cmd.addAll(List.of("runuser", "-u", runAs, "--"));
        }
        cmd.addAll(List.of(tag.get("binDir").asText() + "/pg_ctl", "-D", tag.get("dataDir").asText(), "-l",
                tag.get("home").asText() + "/server.log", "-m", "fast", "-w", "-t", "60", "restart"));
        Process r = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String said = new String(r.getInputStream().readAllBytes());
        assertTrue(r.waitFor(90, TimeUnit.SECONDS) && r.exitValue() == 0, "restart failed: " + said);
    }
}
