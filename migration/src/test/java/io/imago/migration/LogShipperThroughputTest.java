package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Prints how fast shipped changes are applied; asserts correctness only, never timing. */
class LogShipperThroughputTest {
    private static final int UPDATES = 20_000;

    @Test
    void measuresAppliedChangesPerSecond() throws Exception {
        PgServers.Pair p = PgServers.fresh("ship_rate");
        Db.exec(p.source(), "CREATE TABLE bench (id int PRIMARY KEY, v int NOT NULL, pad text)",
                "INSERT INTO bench SELECT g, 0, repeat('x', 40) FROM generate_series(1, 1000) g");
        Db.exec(p.target(), "CREATE TABLE bench2 (id int PRIMARY KEY, v int NOT NULL, v2 int, pad text)");
        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("bench").renameTo("bench2").addColumn("v2", "v * 2")));
        SnapshotResult snap = Shipping.copy(p, "ship_rate", plan);
        String updates = "DO $$ BEGIN FOR i IN 1.." + UPDATES + " LOOP UPDATE bench SET v = v + 1 WHERE id = i % 1000 + 1; COMMIT; END LOOP; END $$";

        // A backlog: 20k single-row transactions committed while no shipper runs, then applied.
        long w0 = System.nanoTime();
        Db.exec(p.source(), updates);
        double writeSecs = (System.nanoTime() - w0) / 1e9;
        Lsn fence = Shipping.fence(p.source());
        long t0 = System.nanoTime();
        LogShipper backlog = Shipping.start(p, "ship_rate", plan, snap.consistentPoint());
        try {
            assertTrue(backlog.drainTo(fence, Shipping.DRAIN));
            double secs = (System.nanoTime() - t0) / 1e9;
            assertEquals(UPDATES, backlog.changesApplied());
            assertEquals(UPDATES, backlog.transactionsApplied());
            System.out.printf("log shipping, backlog: %d single-row update transactions applied in %.2f s = %.0f changes/s "
                    + "(the source wrote them in %.2f s)%n", UPDATES, secs, UPDATES / secs, writeSecs);
        } finally {
            backlog.stop();
        }

        // Live: the shipper runs while the source writes another 20k; from the first write to drained.
        LogShipper live = Shipping.start(p, "ship_rate", plan, snap.consistentPoint());
        try {
            t0 = System.nanoTime();
            Db.exec(p.source(), updates);
            double writeDone = (System.nanoTime() - t0) / 1e9;
            assertTrue(live.drainTo(Shipping.fence(p.source()), Shipping.DRAIN));
            double secs = (System.nanoTime() - t0) / 1e9;
            assertEquals(UPDATES, live.changesApplied());
            System.out.printf("log shipping, live: %d updates written in %.2f s, all applied %.2f s after the first = %.0f changes/s sustained%n",
                    UPDATES, writeDone, secs, UPDATES / secs);
        } finally {
            live.stop();
        }
        assertEquals(Db.rows(p.source(), "SELECT id, v, v * 2, pad FROM bench ORDER BY id"),
                Db.rows(p.target(), "SELECT id, v, v2, pad FROM bench2 ORDER BY id"));
        assertEquals(2L * UPDATES, Db.count(p.target(), "SELECT sum(v) FROM bench2"));
    }
}
