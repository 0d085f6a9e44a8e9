package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Applies decoded changes to the target inside one open target transaction, which {@link #commit} ends
 * together with the record of the applied source position. It decides the statements; {@link ApplyBatches}
 * sends them in order and in batches, so the open target transaction, not the heap, holds the rows.
 *
 * <p>Rows arrive as text values, one per source column ({@link TableMigration#sourceColumns()} order).
 * A value pgoutput did not send because it is TOASTed and unchanged is resolved by
 * {@link #resolveUnchanged}: from the whole old row when the source sent it (replica identity full), else
 * from the target's copy of the row (when that column is loaded verbatim and the row is there), else
 * from the source's current row.
 */
final class ChangeApplier implements AutoCloseable {
    static final int BATCH = 500;
    /** Whether keyed tables' changes are applied set-based ({@link NetChangeBatch}); {@code -Dimago.apply.set=false}: row by row. */
    static final boolean SET_APPLY = !"false".equals(System.getProperty("imago.apply.set"));

    private final Connection target;
    private final String slot;
    private final ApplyBatches batches;
    private final SourceRowLookup sourceRows;
    private long changes;
    private boolean open;

    /** @param target autocommit off, session prepared by {@link #prepareSession} */
    ChangeApplier(Connection target, PgEndpoint source, String slot) {
        this.target = target;
        this.batches = new ApplyBatches(target);
        this.sourceRows = new SourceRowLookup(source);
        this.slot = slot;
    }

    /** The target's log positions at one moment: where it inserts, and how far it is flushed. */
    record TargetWal(Lsn insert, Lsn flush) {
    }

    /** Readies a target session for applying: no timeouts, asynchronous commits, replica role; autocommit off. */
    static void prepareSession(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = 0");
            st.execute("SET idle_in_transaction_session_timeout = 0");
            // As native logical replication's apply: a commit does not wait for its flush. The source is told a
            // position only once the target's log is flushed past the commit that recorded it (FlushedConfirmations).
            st.execute("SET synchronous_commit = off");
            try {
                // As logical replication's apply does, and the bulk copy: no triggers, no foreign key checks
                // (a key update is a delete and an insert; the source already enforced the constraints).
                st.execute("SET session_replication_role = replica");
            } catch (SQLException notPermitted) {
                // Without the privilege, triggers and foreign key checks stay on: fine for schemas without them.
            }
        }
        c.setAutoCommit(false);
    }

    /** Whether the target transaction holds changes not yet committed. */
    boolean open() {
        return open;
    }

    /** Changes in the open target transaction. */
    long changes() {
        return changes;
    }

    /** How many batches were applied set-based (for tests and diagnostics). */
    long setApplies() {
        return batches.setApplies();
    }

    /** How often a set-based apply failed and its batch went row by row instead (for tests and diagnostics). */
    long setFallbacks() {
        return batches.setFallbacks();
    }

    /** How often a TOASTed value had to be read back from the source (for tests and diagnostics). */
    long sourceLookups() {
        return sourceRows.count();
    }

    void insert(ShippedTable t, String[] row) throws SQLException {
        if (t.hasKey()) {
            applyByKey(t, false, new String[t.keyIndex().length], row, true); // deletes nothing: no key needed
        } else {
            add(t, t.insertSql(), row);
        }
    }

    /** @param old the old key ('K', other columns null) or the whole old row ('O') */
    void delete(ShippedTable t, String[] old) throws SQLException {
        if (t.hasKey()) {
            applyByKey(t, true, key(t, old, "delete"), new String[t.columnCount()], false);
        } else {
            add(t, t.deleteMatchingSql(), old);
        }
    }

    /**
     * @param old null when the source sent no old tuple (the key did not change)
     * @param oldIsFullRow the old tuple is the whole row (replica identity full), not only the key
     * @param unchanged the new row's unchanged-TOAST columns, null when there are none
     */
    void update(ShippedTable t, String[] old, boolean oldIsFullRow, String[] row, boolean[] unchanged) throws SQLException {
        if (!t.hasKey()) {
            if (old == null || !oldIsFullRow) {
                throw new SQLException("update of '" + t.migration().sourceTable() + "' came without the old row: the source table must have "
                        + "REPLICA IDENTITY FULL");
            }
            fillFrom(old, row, unchanged);
            add(t, t.replaceMatchingSql(), concat(old, row));
            return;
        }
        String[] oldKey = key(t, old != null ? old : row, "update");
        if (unchanged != null) {
            if (old != null && oldIsFullRow) {
                fillFrom(old, row, unchanged);
            } else if (!resolveUnchanged(t, oldKey, row, unchanged)) {
                // The row is gone from the source already: a later change in the log deletes it (or moves
                // its key). Until then the target simply lacks it, as it lacks the row after that change.
                applyByKey(t, true, oldKey, new String[t.columnCount()], false);
                return;
            }
        }
        applyByKey(t, true, oldKey, row, true);
    }

    /** One change of a keyed table, as {@link ShippedTable#applyByKeySql()} takes it: set-based unless disabled. */
    private void applyByKey(ShippedTable t, boolean delete, String[] key, String[] row, boolean insert) throws SQLException {
        String[] params = applyParams(delete, key, row, insert);
        if (!SET_APPLY) {
            add(t, t.applyByKeySql(), params);
            return;
        }
        open = true;
        changes++;
        batches.addKeyed(t, delete, key, row, insert, params);
    }

    /** The parameters of {@link ShippedTable#applyByKeySql()}. */
    private static String[] applyParams(boolean delete, String[] key, String[] row, boolean insert) {
        String[] out = new String[key.length + row.length + 2];
        out[0] = delete ? "t" : "f";
        System.arraycopy(key, 0, out, 1, key.length);
        System.arraycopy(row, 0, out, 1 + key.length, row.length);
        out[out.length - 1] = insert ? "t" : "f";
        return out;
    }

    void truncate(List<ShippedTable> tables) throws SQLException {
        flush();
        try (Statement st = target.createStatement()) {
            st.execute("TRUNCATE " + tables.stream().map(ShippedTable::truncateTarget).collect(Collectors.joining(", ")));
        }
        open = true;
        changes++;
    }

    /**
     * Ends the target transaction, recording in it that the source is applied up to {@code end}. Asynchronous:
     * the commit is visible at once, durable once the target's log is flushed past it.
     *
     * @return the target's log positions read in the transaction, before its commit: every earlier commit ends
     *     at or before {@code insert}
     */
    TargetWal commit(Lsn end, Instant sourceCommitTime) throws SQLException {
        // A lone pending change goes in the same statement as the record and the commit: at a low rate most
        // groups hold one change, and each round trip to the target is a change's wait.
        NetChangeBatch lone = batches.takeLone();
        flush();
        TargetWal wal = recordAndCommit(lone, end, sourceCommitTime);
        ended();
        return wal;
    }

    /**
     * A barrier: rewrites the record ({@code end}: the position already recorded) in a transaction of its
     * own and waits for the flush of its commit, and with it of every earlier commit, so that everything
     * applied so far is durable. Only between transactions.
     */
    void commitDurably(Lsn end, Instant sourceCommitTime) throws SQLException {
        if (open) {
            throw new IllegalStateException("the target transaction holds changes: a barrier commits none");
        }
        try (Statement st = target.createStatement()) {
            st.execute("SET LOCAL synchronous_commit = on");
        }
        recordAndCommit(null, end, sourceCommitTime);
        ended();
    }

    private void ended() {
        open = false;
        changes = 0;
        batches.transactionEnded();
    }

    /** The target's log positions now; only between transactions (ends the read-only one it opens). */
    TargetWal targetWal() throws SQLException {
        if (open) {
            throw new IllegalStateException("the target transaction holds changes");
        }
        try (ResultSet rs = batches.statement(ShippingRecord.WAL_SQL).executeQuery()) {
            rs.next();
            TargetWal wal = new TargetWal(Lsn.parse(rs.getString(1)), Lsn.parse(rs.getString(2)));
            target.commit();
            return wal;
        }
    }

    /** Sends {@code lone}'s change (if any), the record and {@code COMMIT} as one statement: one round trip. */
    private TargetWal recordAndCommit(NetChangeBatch lone, Lsn end, Instant sourceCommitTime) throws SQLException {
        String[] params = lone == null ? new String[0] : lone.changes().get(0);
        PreparedStatement ps = batches.statement(lone == null ? ShippingRecord.RECORD_AND_COMMIT_SQL
                : lone.table().applyByKeySql() + "; " + ShippingRecord.RECORD_AND_COMMIT_SQL);
        ApplyBatches.bind(ps, params);
        ShippingRecord.bind(ps, params.length + 1, slot, end, sourceCommitTime);
        try {
            return ShippingRecord.recordAndCommit(ps);
        } catch (SQLException e) {
            throw lone == null ? e : ApplyBatches.applyFailed(lone.table(), e);
        }
    }

    void rollback() throws SQLException {
        batches.discard();
        open = false;
        changes = 0;
        target.rollback();
    }

    /** Sends the batched statements. */
    void flush() throws SQLException {
        batches.flush();
    }

    /**
     * Fills the unchanged-TOAST values of {@code row}. The target's copy of the row holds the very value when
     * every such column is loaded verbatim and the row passed the filter; otherwise the source is asked for
     * its current row (which may be newer than this change: the log's later changes to it follow anyway).
     *
     * @return false when the source no longer has the row
     */
    private boolean resolveUnchanged(ShippedTable t, String[] oldKey, String[] row, boolean[] unchanged) throws SQLException {
        List<Integer> cols = new ArrayList<>();
        boolean verbatim = true;
        for (int i = 0; i < unchanged.length; i++) {
            if (unchanged[i]) {
                cols.add(i);
                verbatim &= t.verbatimTarget(i) != null;
            }
        }
        if (verbatim) {
            flush(); // the row may have been written by this very transaction
            if (SourceRowLookup.read(batches.statement(t.targetLookupSql(cols)), oldKey, row, cols)) {
                return true;
            }
        }
        return sourceRows.fill(t.sourceLookupSql(cols), key(t, row, "update"), row, cols);
    }

    private static void fillFrom(String[] old, String[] row, boolean[] unchanged) {
        if (unchanged != null) {
            for (int i = 0; i < unchanged.length; i++) {
                if (unchanged[i]) {
                    row[i] = old[i];
                }
            }
        }
    }

    private static String[] key(ShippedTable t, String[] row, String what) throws SQLException {
        int[] idx = t.keyIndex();
        String[] key = new String[idx.length];
        for (int i = 0; i < idx.length; i++) {
            key[i] = row[idx[i]];
            if (key[i] == null) {
                throw new SQLException(what + " of '" + t.migration().sourceTable() + "' came without its primary key column '"
                        + t.migration().sourceColumns().get(idx[i]).name() + "': the source table's replica identity must be its primary key "
                        + "(REPLICA IDENTITY DEFAULT) or FULL");
            }
        }
        return key;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void add(ShippedTable t, String sql, String[] params) throws SQLException {
        open = true;
        changes++;
        batches.add(t, sql, params);
    }

    /** Pulls the source connection from under a lookup stuck on a frozen source. Any thread. */
    void abortSourceLookups() {
        sourceRows.abort();
    }

    @Override
    public void close() {
        batches.close();
        sourceRows.close();
    }
}
