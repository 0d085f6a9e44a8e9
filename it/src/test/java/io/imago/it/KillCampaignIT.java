package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.local.FreePorts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill campaign: {@code imago apply} and {@code imago rollback} killed with SIGKILL at random instants (a fixed
 * seed, so a failure replays), not at step boundaries, and re-run after each kill, over upgrade and rollback cycles,
 * while users write through the ingress and a writer bypasses it straight to the live database. After each
 * operation finishes: the right universe serves, every write either database acknowledged is in the universe that
 * now serves, no request through the ingress failed, and no migration slot is left on the universe left behind.
 * At the end, destroy leaves no process and frees the ingress port.
 */
class KillCampaignIT {
    private static final long SEED = Long.getLong("imago.killCampaign.seed", 20261201L);
    private static final int MIN_KILLS = Integer.getInteger("imago.killCampaign.kills", 30);
    private static final int MAX_CYCLES = 30;

    @TempDir Path tmp;
    Quickstart qs;
    final List<String> log = new ArrayList<>();
    final Map<String, Integer> killedIn = new java.util.TreeMap<>();
    private static final long STARTUP_MS = 900;
    private final long[] lastRunMs = {5_000, 2_000};

    @AfterEach
    void cleanUp() {
        log.forEach(System.out::println);
        killedIn.forEach((where, n) -> System.out.println("kills: " + where + ": " + n));
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
            assertTrue(FreePorts.bindable(qs.port), "the ingress port is still taken");
        }
    }

    @Test
    void killedAtRandomInstantsEveryOperationResumesAndNoWriteIsLost() throws Exception {
        qs = new Quickstart(tmp);
        // A rollback window, and every table migrated (so every transform inverts and rollback loses nothing).
        Files.writeString(qs.v2(), Files.readString(qs.v2()).replace("keepOld: 0", "keepOld: 30m")
                .replace("    - table: sessions\n      skip: true                     # sessions start empty in v2: users sign in again\n", ""));
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        Random rnd = new Random(SEED);
        long[] estimateMs = {9_000, 2_500}; // how long an apply and a rollback take (JVM start included); measured as they run
        int kills = 0;
        int cycles = 0;
        try (Writers.ThroughIngress users = new Writers.ThroughIngress(qs, "campaign")) {
            while (kills < MIN_KILLS && cycles < MAX_CYCLES) {
                cycles++;
                try (Writers.Bypassing bypass = Writers.Bypassing.on(qs, "shop-v1", "orders")) {
                    kills += killRepeatedly(rnd, estimateMs, 0, "apply", "--yes", qs.v2().toString());
                    Thread.sleep(300);
                    bypass.close();
                    assertServes("shop-v2");
                    assertHasAll("shop-v2", "purchase_orders", bypass, users);
                }
                assertNoSlot("shop-v1", "imago_shop_v2");

                try (Writers.Bypassing bypass = Writers.Bypassing.on(qs, "shop-v2", "purchase_orders")) {
                    kills += killRepeatedly(rnd, estimateMs, 1, "rollback", "shop-v2", "--yes");
                    Thread.sleep(300);
                    bypass.close();
                    assertServes("shop-v1");
                    assertHasAll("shop-v1", "orders", bypass, users);
                }
                assertNoSlot("shop-v2", "imago_back_shop_v2");
                log.add("cycle " + cycles + " done, " + kills + " kills so far");
            }
            users.close();
            assertEquals(List.of(), users.failures, "requests through the ingress that failed");
        }
        assertTrue(kills >= MIN_KILLS, "only " + kills + " kills in " + cycles + " cycles");
    }

    /**
     * Runs the command, killing it after a random delay a few times (a run that finishes before its kill has
     * finished the operation), then lets one run finish: it must succeed.
     */
    private int killRepeatedly(Random rnd, long[] estimateMs, int op, String... args) throws Exception {
        int kills = 0;
        int killsWanted = 2 + rnd.nextInt(4);
        while (true) {
            boolean kill = kills < killsWanted;
            // Past the JVM's start (about a second, when nothing of imago's has run yet), anywhere in a whole run.
            // Drawn over a whole fresh run or over the last (shorter, resumed) one, so that late steps are hit in both.
            long span = rnd.nextBoolean() ? estimateMs[op] : lastRunMs[op];
            long delay = STARTUP_MS + (long) (rnd.nextDouble() * Math.max(500, span - STARTUP_MS));
            Path out = Files.createTempFile(tmp, "run", ".out");
            long t0 = System.nanoTime();
            Process p = Cli.builder(tmp, Map.of(), args).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // The last kill of an operation aims at its switch: a random instant in the ingress's flip and what
            // surrounds it (fence, lasting fence, the flip, its record, the clean-up), which lasts well under a second.
            boolean atTheSwitch = kill && kills == killsWanted - 1;
            if (atTheSwitch) {
                long announced = untilAnnounced(p, out, op == 0 ? "==> SWITCHOVER" : "==> ROLLBACK", t0);
                delay = announced + (long) (rnd.nextDouble() * (op == 0 ? 900 : 2_000));
            }
            if (kill && !p.waitFor(Math.max(0, delay - (System.nanoTime() - t0) / 1_000_000), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly(); // SIGKILL: no hook, no clean-up
                p.waitFor();
                kills++;
                String where = stepAt(out);
                killedIn.merge(args[0] + " in " + where, 1, Integer::sum);
                log.add(String.format("%s: killed after %,d ms in %s%s (%s)", args[0], delay, where, atTheSwitch ? " (aimed)" : "",
                        lastLine(out)));
                continue;
            }
            if (!p.waitFor(6, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                fail("imago " + String.join(" ", args) + " did not finish in 6 minutes:\n" + Files.readString(out));
            }
            long took = (System.nanoTime() - t0) / 1_000_000;
            String output = Files.readString(out);
            assertEquals(0, p.exitValue(), "imago " + String.join(" ", args) + " after " + kills + " kills:\n" + output);
            log.add(String.format("%s: finished in %,d ms after %d kills", args[0], took, kills));
            lastRunMs[op] = Math.max(took, 1_500);
            if (kills == 0) {
                estimateMs[op] = took; // a whole run, unkilled
            }
            return kills;
        }
    }

    /** Waits until the run prints the line (or ends); returns the milliseconds since it started at {@code t0}. */
    private static long untilAnnounced(Process p, Path out, String line, long t0) throws Exception {
        while (p.isAlive() && Files.readAllLines(out).stream().noneMatch(l -> l.startsWith(line))) {
            Thread.sleep(5);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The step the run was in: the last one it announced. */
    private static String stepAt(Path out) throws java.io.IOException {
        String step = "its start";
        for (String l : Files.readAllLines(out)) {
            if (l.startsWith("==> ")) {
                step = l.substring(4).split("\\s+")[0];
            }
        }
        return step;
    }

    private static String lastLine(Path out) throws java.io.IOException {
        List<String> lines = Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "no output yet" : lines.get(lines.size() - 1).strip();
    }

    private void assertServes(String universe) throws Exception {
        HttpResponse<String> r = qs.get("/health");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(universe, r.headers().firstValue("X-Universe").orElse(""));
        assertEquals("LIVE", qs.universe(universe).get("phase").asText());
    }

    private void assertHasAll(String universe, String orders, Writers.Bypassing bypass, Writers.ThroughIngress users) throws Exception {
        try (Connection c = qs.db(universe)) {
            assertEquals(java.util.Set.of(), Writers.missing(c, orders, bypass.acknowledged),
                    "writes the old database acknowledged that " + universe + " lacks (" + bypass.acknowledged.size() + " acknowledged)");
            assertEquals(java.util.Set.of(), Writers.missing(c, "customers", java.util.Set.copyOf(users.created)),
                    "customers created through the ingress that " + universe + " lacks");
        }
    }

    private void assertNoSlot(String universe, String slot) throws Exception {
        if (qs.universe(universe) == null) {
            return;
        }
        try (Connection c = qs.db(universe); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "slot " + slot + " left on " + universe);
        }
    }
}
