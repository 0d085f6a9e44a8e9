package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/** Test helpers for log shipping: copy, ship, fence, wait. */
final class Shipping {
    static final Duration DRAIN = Duration.ofSeconds(60);

    private Shipping() {
    }

    static SnapshotResult copy(PgServers.Pair p, String slot, List<TableMigration> plan) throws SQLException {
        return new SnapshotCopier(p.source(), p.target(), slot, slot + "_pub", 1, CopyProgress.NONE).copy(plan);
    }

    static LogShipper start(PgServers.Pair p, String slot, List<TableMigration> plan, Lsn startIfNoRecord) throws SQLException {
        LogShipper s = new LogShipper(p.source(), p.target(), slot, slot + "_pub", plan);
        s.start(startIfNoRecord);
        return s;
    }

    /** Where the source's log ends now: every commit so far lies before it (what a write fence returns). */
    static Lsn fence(PgEndpoint source) {
        return Lsn.parse(Db.rows(source, "SELECT pg_current_wal_insert_lsn()::text").get(0));
    }

    static void drain(LogShipper s, PgEndpoint source) {
        Lsn fence = fence(source);
        assertTrue(s.drainTo(fence, DRAIN), "drained to " + fence + " within " + DRAIN);
    }

    static void awaitStopped(LogShipper s, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (s.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!s.isRunning(), "shipper stopped within " + timeout);
    }

    static String slotConfirmed(PgEndpoint source, String slot) {
        return Db.rows(source, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'").get(0);
    }
}
