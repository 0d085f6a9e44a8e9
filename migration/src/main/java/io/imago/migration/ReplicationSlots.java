package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/** Creating and dropping the logical replication slot that joins the bulk copy to log shipping. */
final class ReplicationSlots {
    private static final Pattern VALID_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    /** After a crash the previous run's walsender may still be exiting; give it this long to let go of the slot. */
    static final long RELEASE_WAIT_MILLIS = 10_000;

    private ReplicationSlots() {
    }

    static String checkName(String slot) {
        if (slot == null || !VALID_NAME.matcher(slot).matches()) {
            throw new IllegalArgumentException("replication slot name must be 1-63 lower case letters, digits or underscores: " + slot);
        }
        return slot;
    }

    /**
     * Creates the slot on a replication connection and exports its snapshot. The snapshot stays importable
     * only while {@code replication} stays open and sends nothing more: the caller keeps it idle until every
     * copy has imported the snapshot.
     */
    static ExportedSnapshot createExporting(Connection replication, String slot) throws SQLException {
        // PostgreSQL 15 replaced the bare EXPORT_SNAPSHOT keyword with an option list (keeping the old form).
        return createExporting(replication, slot, replication.getMetaData().getDatabaseMajorVersion() >= 15);
    }

    static ExportedSnapshot createExporting(Connection replication, String slot, boolean optionList) throws SQLException {
        String cmd = "CREATE_REPLICATION_SLOT " + checkName(slot) + " LOGICAL pgoutput "
                + (optionList ? "(SNAPSHOT 'export')" : "EXPORT_SNAPSHOT");
        try (Statement st = replication.createStatement(); ResultSet rs = st.executeQuery(cmd)) {
            if (!rs.next()) {
                throw new SQLException("CREATE_REPLICATION_SLOT returned no row");
            }
            return new ExportedSnapshot(slot, Lsn.parse(rs.getString("consistent_point")), rs.getString("snapshot_name"));
        }
    }

    /**
     * Creates a logical pgoutput slot that exports nothing (its changes are read from its creation on),
     * unless one of that name exists. Creating it waits for the transactions running at that moment.
     */
    static void createIfAbsent(Connection c, String slot) throws SQLException {
        checkName(slot);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_create_logical_replication_slot(?, 'pgoutput') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            ps.setString(1, slot);
            ps.setString(2, slot);
            ps.execute();
        }
    }

    /**
     * Drops the slot if it exists in this database. Refuses to touch a same-named slot of another
     * database (slot names are cluster-wide, the slot is not ours) or one a live consumer holds.
     */
    static boolean dropIfExists(Connection c, String slot) throws SQLException {
        checkName(slot);
        long deadline = System.currentTimeMillis() + RELEASE_WAIT_MILLIS;
        while (true) {
            String database;
            boolean active;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT database, active, current_database() FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    database = rs.getString(1);
                    active = rs.getBoolean(2);
                    if (database == null || !database.equals(rs.getString(3))) {
                        throw new SQLException("replication slot '" + slot + "' exists but belongs to "
                                + (database == null ? "a physical replica" : "database '" + database + "'") + "; choose another slot name");
                    }
                }
            }
            if (!active) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    ps.setString(1, slot);
                    ps.execute();
                    return true;
                } catch (SQLException e) {
                    // a consumer grabbed it between our look and the drop
                    if (!PgErrors.objectInUse(e) || System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                }
            } else if (System.currentTimeMillis() > deadline) {
                throw new SQLException("replication slot '" + slot + "' is in use by another session; stop it before re-running", PgErrors.OBJECT_IN_USE);
            }
            sleep(200);
        }
    }

    private static void sleep(long millis) throws SQLException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", e);
        }
    }
}
