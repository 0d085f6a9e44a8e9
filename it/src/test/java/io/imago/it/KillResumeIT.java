package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.local.FreePorts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imago apply} killed abruptly (as by kill -9: no cleanup runs) at each step, then run
 * again: it resumes, finishes, and leaves exactly one set of processes; destroy leaves none.
 */
class KillResumeIT {
    @TempDir Path tmp;
    Quickstart qs;

    @AfterEach
    void cleanUp() {
        if (qs != null) {
            qs.imago("destroy", "shop-v2", "--yes");
            qs.imago("destroy", "shop-v1", "--yes");
            assertEquals(List.of(), Leaks.processesUnder(tmp), "processes left behind");
            assertTrue(FreePorts.bindable(qs.port), "the ingress port is still taken");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROVISION:started", "PREPARE:started", "PREPARE:done", "SEED:started", "SEED:done",
            "SWITCHOVER:started", "SWITCHOVER:done"})
    void freshUniverseResumesAfterAKill(String point) throws Exception {
        qs = new Quickstart(tmp);
        Cli.Result killed = Cli.run(tmp, Map.of("IMAGO_FAULT", "kill:" + point), "apply", "--yes", qs.v1().toString());
        assertEquals(137, killed.code(), killed.toString());
        Cli.Result resumed = qs.imago("apply", "--yes", qs.v1().toString());
        assertEquals(0, resumed.code(), resumed.toString());
        assertServes("shop-v1");
        assertEquals(2, instancesOf("shop-v1"), "exactly the declared instances run");
        try (Connection c = qs.db("shop-v1"); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT count(*) FROM customers");
            rs.next();
            assertEquals(50, rs.getInt(1), "the seed is loaded exactly once");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROVISION:started", "SNAPSHOT:started", "SNAPSHOT:done", "CATCH_UP:started", "CATCH_UP:done",
            "VALIDATE:done", "SWITCHOVER:drained", "SWITCHOVER:done", "RETIRE:started"})
    void upgradeResumesAfterAKill(String point) throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        long v1Orders = count("shop-v1", "orders");
        Cli.Result killed = Cli.run(tmp, Map.of("IMAGO_FAULT", "kill:" + point), "apply", "--yes", qs.v2().toString());
        assertEquals(137, killed.code(), killed.toString());
        // production is live and takes writes while imago is down
        HttpResponse<String> during = qs.get("/api/customers/1");
        assertEquals(200, during.statusCode());
        Cli.Result resumed = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(0, resumed.code(), resumed.toString());
        assertServes("shop-v2");
        assertEquals(v1Orders, count("shop-v2", "purchase_orders"), "every order copied exactly once");
        assertNull(qs.universe("shop-v1"), "v1 retired");
        assertEquals(2, instancesOf("shop-v2"));
    }

    /**
     * Killed with the old universe fenced for good and the ingress not yet flipped: the ingress holds the requests (the
     * hold stretched for this moment) until the re-run lifts the fence and switches; none fails.
     */
    @org.junit.jupiter.api.Test
    void aKillBetweenTheLastingFenceAndTheFlipMakesRequestsWaitNotFail() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        try (Writers.ThroughIngress users = new Writers.ThroughIngress(qs, "fenced")) {
            Cli.Result killed = Cli.run(tmp, Map.of("IMAGO_FAULT", "kill:SWITCHOVER:fenced"), "apply", "--yes", qs.v2().toString());
            assertEquals(137, killed.code(), killed.toString());
            Cli.Result resumed = qs.imago("apply", "--yes", qs.v2().toString());
            assertEquals(0, resumed.code(), resumed.toString());
            Thread.sleep(500);
            users.close();
            assertEquals(List.of(), users.failures, "requests through the ingress that failed");
            assertTrue(users.created.size() > 5, "the writer kept writing: " + users.created.size());
        }
        assertServes("shop-v2");
    }

    private long count(String universe, String table) throws Exception {
        try (Connection c = qs.db(universe); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table);
            rs.next();
            return rs.getLong(1);
        }
    }

    private void assertServes(String universe) throws Exception {
        HttpResponse<String> r = qs.get("/health");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(universe, r.headers().firstValue("X-Universe").orElse(""));
    }

    /** Instance processes of the universe actually running (by their environment), not what the state says. */
    private long instancesOf(String universe) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                Path proc = Path.of("/proc", Long.toString(p.pid()));
                String env = new String(java.nio.file.Files.readAllBytes(proc.resolve("environ")));
                // This test's own instances only (they run in its folder): another run of the quickstart on the machine
                // has universes of the same names.
                return env.contains("IMAGO_UNIVERSE=" + universe + "\0") && env.contains("IMAGO_INSTANCE=")
                        && java.nio.file.Files.readSymbolicLink(proc.resolve("cwd")).startsWith(tmp.toRealPath());
            } catch (Exception e) {
                return false;
            }
        }).count();
    }
}
