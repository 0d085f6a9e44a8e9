package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationSlotsTest {

    /** Both spellings: the option list of PostgreSQL 15+, and the bare keyword older servers need (still accepted by 15+). */
    @Test
    void createsASlotExportingASnapshotInEitherSyntax() throws Exception {
        PgServers.Pair p = PgServers.fresh("slots_syntax");
        for (boolean optionList : new boolean[] {true, false}) {
            String slot = "slots_syntax_" + optionList;
            try (Connection repl = p.source().connectReplication(); Connection c = p.source().connect()) {
                ExportedSnapshot s = ReplicationSlots.createExporting(repl, slot, optionList);
                assertEquals(slot, s.slot());
                assertTrue(s.snapshotName().matches("[0-9A-F]+-[0-9A-F]+-[0-9]+"), s.snapshotName());
                assertTrue(Lsn.ZERO.isBefore(s.consistentPoint()));
                // importable while the exporting connection stays idle
                Db.exec(p.source(), "BEGIN ISOLATION LEVEL REPEATABLE READ", "SET TRANSACTION SNAPSHOT '" + s.snapshotName() + "'", "COMMIT");
                assertEquals(List.of("pgoutput|" + s.consistentPoint()), Db.rows(p.source(),
                        "SELECT plugin, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
                assertTrue(ReplicationSlots.dropIfExists(c, slot));
            }
        }
    }

    @Test
    void dropIsIdempotentAndLeavesOtherDatabasesSlotsAlone() throws Exception {
        PgServers.Pair mine = PgServers.fresh("slots_mine");
        PgServers.Pair other = PgServers.fresh("slots_other");
        try (Connection repl = other.source().connectReplication()) {
            ReplicationSlots.createExporting(repl, "slots_shared");
        }
        try (Connection c = mine.source().connect()) {
            assertFalse(ReplicationSlots.dropIfExists(c, "slots_nonexistent"));
            SQLException e = assertThrows(SQLException.class, () -> ReplicationSlots.dropIfExists(c, "slots_shared"));
            assertTrue(e.getMessage().contains("belongs to database '" + other.source().database() + "'"), e.getMessage());
        }
        try (Connection c = other.source().connect()) {
            assertTrue(ReplicationSlots.dropIfExists(c, "slots_shared"));
        }
        assertThrows(IllegalArgumentException.class, () -> ReplicationSlots.checkName("Bad-Name"));
    }
}
