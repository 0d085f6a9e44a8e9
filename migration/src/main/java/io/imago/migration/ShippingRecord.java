package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The source position recorded on the target, {@code imago_meta.shipping(slot, applied_lsn, applied_at,
 * source_commit_time)}: every source commit before {@code applied_lsn} is applied. Written in the same target
 * transaction as the changes it covers ({@link ChangeApplier#commit}), read wherever shipping (re)starts.
 */
final class ShippingRecord {
    static final String RECORD_SQL = "INSERT INTO imago_meta.shipping (slot, applied_lsn, applied_at, source_commit_time) "
            + "VALUES (?, CAST(? AS pg_lsn), clock_timestamp(), ?) ON CONFLICT (slot) DO UPDATE SET applied_lsn = EXCLUDED.applied_lsn, "
            + "applied_at = EXCLUDED.applied_at, source_commit_time = EXCLUDED.source_commit_time "
            + "RETURNING pg_current_wal_insert_lsn()::text, pg_current_wal_flush_lsn()::text";
    /** The target's log positions now: where it inserts, how far it is flushed. */
    static final String WAL_SQL = "SELECT pg_current_wal_insert_lsn()::text, pg_current_wal_flush_lsn()::text";

    private ShippingRecord() {
    }

    static void ensureTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS imago_meta");
            st.execute("CREATE TABLE IF NOT EXISTS imago_meta.shipping (slot text PRIMARY KEY, applied_lsn pg_lsn NOT NULL, "
                    + "applied_at timestamptz NOT NULL, source_commit_time timestamptz)");
        }
    }

    /** The recorded position; empty when there is none (or no record table yet). */
    static Optional<Lsn> read(Connection c, String slot) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT to_regclass('imago_meta.shipping') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT applied_lsn::text FROM imago_meta.shipping WHERE slot = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Lsn.parse(rs.getString(1))) : Optional.empty();
            }
        }
    }

    static void forget(Connection c, String slot) throws SQLException {
        if (read(c, slot).isPresent()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM imago_meta.shipping WHERE slot = ?")) {
                ps.setString(1, slot);
                ps.executeUpdate();
            }
        }
    }
}
