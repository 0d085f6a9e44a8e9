package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
    /**
     * The record and the commit as one statement: one round trip. A statement may come before it
     * ({@code "<statement>; " + RECORD_AND_COMMIT_SQL}); the driver runs them in order and skips the rest after
     * an error, which leaves the transaction to be rolled back.
     */
    static final String RECORD_AND_COMMIT_SQL = RECORD_SQL + "; COMMIT";
    /** The target's log positions now: where it inserts, how far it is flushed. */
    static final String WAL_SQL = "SELECT pg_current_wal_insert_lsn()::text, pg_current_wal_flush_lsn()::text";

    private ShippingRecord() {
    }

    /** Binds the record's parameters of {@link #RECORD_AND_COMMIT_SQL}, the first at {@code first}. */
    static void bind(PreparedStatement ps, int first, String slot, Lsn end, Instant sourceCommitTime) throws SQLException {
        ps.setString(first, slot);
        ps.setString(first + 1, end.format());
        ps.setObject(first + 2, sourceCommitTime == null ? null : OffsetDateTime.ofInstant(sourceCommitTime, ZoneOffset.UTC));
    }

    /**
     * Runs a bound {@link #RECORD_AND_COMMIT_SQL} statement.
     *
     * @return the target's log positions read in the transaction, before its commit
     */
    static ChangeApplier.TargetWal recordAndCommit(PreparedStatement ps) throws SQLException {
        ChangeApplier.TargetWal wal = null;
        for (boolean result = ps.execute(); result || ps.getUpdateCount() != -1; result = ps.getMoreResults()) {
            if (result && wal == null) {
                try (ResultSet rs = ps.getResultSet()) {
                    rs.next();
                    wal = new ChangeApplier.TargetWal(Lsn.parse(rs.getString(1)), Lsn.parse(rs.getString(2)));
                }
            }
        }
        if (wal == null) {
            throw new SQLException("the target returned no log position with the shipping record");
        }
        return wal;
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
