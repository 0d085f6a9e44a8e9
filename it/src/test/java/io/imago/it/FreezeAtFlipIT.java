package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults after the flip, the commit point: the old database's server frozen (SIGSTOP) the instant the ingress
 * has flipped, for longer than every timeout, and an error thrown there. Users see nothing (the new universe
 * serves), the new universe is kept, no write the old database acknowledged is missing from the new one, and a
 * re-run finishes the clean-up.
 */
class FreezeAtFlipIT {
    @TempDir Path tmp;
    Quickstart qs;
    final List<Long> frozen = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        signal("CONT", frozen);
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
        }
    }

    @Test
    void theOldDatabaseFrozenAtTheFlipCostsUsersNothingAndARerunFinishes() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Writers.Bypassing bypass = Writers.Bypassing.on(qs, "shop-v1", "orders");
        Cli.Result first;
        try (Writers.ThroughIngress users = new Writers.ThroughIngress(qs, "freeze")) {
            PausedRun run = PausedRun.at(tmp, "SWITCHOVER:flipped", "apply", "--yes", qs.v2().toString());
            frozen.addAll(postgresOf("shop-v1"));
            signal("STOP", frozen);
            run.release();
            first = run.finish(4);
            Thread.sleep(500);
            users.close();
            assertEquals(List.of(), users.failures, "requests through the ingress that failed while the old database was frozen");
            assertFalse(users.created.isEmpty());
        }
        assertEquals(1, first.code(), first.toString());
        assertTrue(first.out().contains("shop-v2 is live and serves users; nothing was released"), first.toString());
        assertTrue(first.out().contains("replication slot imago_shop_v2 on shop-v1 is not dropped yet"), first.toString());
        JsonNode v2 = qs.universe("shop-v2");
        assertEquals("LIVE", v2.get("phase").asText());
        assertEquals("RETIRING", qs.universe("shop-v1").get("phase").asText());

        signal("CONT", frozen);
        frozen.clear();
        Thread.sleep(1000);
        bypass.close();
        try (Connection c = qs.db("shop-v2")) {
            assertEquals(java.util.Set.of(), Writers.missing(c, "purchase_orders", bypass.acknowledged),
                    "writes shop-v1 acknowledged that shop-v2 lacks");
        }
        Cli.Result rerun = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(0, rerun.code(), rerun.toString());
        assertNull(qs.universe("shop-v1"), "the re-run retired shop-v1 (keepOld: 0)");
    }

    @Test
    void anErrorRightAfterTheFlipKeepsTheNewUniverse() throws Exception {
        qs = new Quickstart(tmp);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Cli.Result failed = Cli.run(tmp, Map.of("IMAGO_FAULT", "throw:SWITCHOVER:flipped"), "apply", "--yes", qs.v2().toString());
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.err().contains("shop-v2 is live and serves users; nothing was released"), failed.toString());
        assertEquals("shop-v2", qs.get("/health").headers().firstValue("X-Universe").orElse(""));
        Cli.Result rerun = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(0, rerun.code(), rerun.toString());
        assertNull(qs.universe("shop-v1"));
    }

    /** The universe's postmaster and every backend of it. */
    private List<Long> postgresOf(String universe) {
        for (JsonNode r : qs.universe(universe).get("resources")) {
            if (r.get("kind").asText().equals("database")) {
                long pid = r.get("pid").asLong();
                List<Long> all = new ArrayList<>(List.of(pid));
                ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> all.add(d.pid())));
                return all;
            }
        }
        throw new AssertionError("no database resource for " + universe);
    }

    private static void signal(String sig, List<Long> pids) throws Exception {
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
