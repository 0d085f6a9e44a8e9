package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pending changes of one keyed table, applied as their net effect per key by one statement over arrays
 * ({@link ShippedTable#setApplySql()}) instead of one execution per change.
 *
 * <p>Walking the changes in order, each touched key keeps its final state: the final row (inserted if it
 * passes the filter) or none, and whether the target's row with that key must be deleted first (any update
 * or delete of the key). A key-changing update deletes the old key and sets the new key's row. The
 * statement deletes every key that needs it, then inserts every final row: the end state is one the source
 * itself passed through (the state after the batch's last change), and every touched row is gone before any
 * final row is inserted, so no unique constraint fails that the row-by-row apply would pass. The changes are
 * kept in order too ({@link #changes()}), for the caller to apply row by row should the statement fail all
 * the same.
 *
 * <p>Keys are compared on the source's text form of the key values, as the source sent them.
 */
final class NetChangeBatch {
    /** Batches with fewer changes go row by row: one statement each is as cheap as a savepoint and a set statement. */
    static final int MIN_SET = 4;
    /**
     * Set-based applies in one target transaction at most; later batches of it go row by row. Each is a
     * subtransaction (its savepoint), and a backend caches 64 subtransaction ids: beyond them every other
     * session's snapshot on the target overflows and has to read pg_subtrans. Only a huge source transaction
     * (or many table switches in one group) gets there.
     */
    static final int MAX_PER_TRANSACTION = 48;

    private final ShippedTable table;
    /** The parameters of {@link ShippedTable#applyByKeySql()}, one array per change, in order. */
    private final List<String[]> changes = new ArrayList<>();
    private final Map<List<String>, State> net = new LinkedHashMap<>();

    /** One key's net change: whether the target's row must go, and the row it ends with (null: none). */
    private static final class State {
        boolean deleteFirst;
        String[] row;
    }

    NetChangeBatch(ShippedTable table) {
        this.table = table;
    }

    ShippedTable table() {
        return table;
    }

    int size() {
        return changes.size();
    }

    List<String[]> changes() {
        return changes;
    }

    /**
     * One change, as {@link ShippedTable#applyByKeySql()} takes it.
     *
     * @param oldKey the old key's values (used only when {@code delete})
     * @param row every source column of the new row (used only when {@code insert})
     * @param params the change's parameters for the row-by-row statement
     */
    void add(boolean delete, String[] oldKey, String[] row, boolean insert, String[] params) {
        changes.add(params);
        if (delete) {
            State s = net.computeIfAbsent(Arrays.asList(oldKey.clone()), k -> new State());
            s.deleteFirst = true;
            s.row = null;
        }
        if (insert) {
            int[] idx = table.keyIndex();
            String[] newKey = new String[idx.length];
            for (int i = 0; i < idx.length; i++) {
                newKey[i] = row[idx[i]];
            }
            // A fresh key is not deleted first: a target row already holding it fails the insert, as row by row.
            net.computeIfAbsent(Arrays.asList(newKey), k -> new State()).row = row;
        }
    }

    /**
     * Applies the net change with {@code ps} (prepared from {@link ShippedTable#setApplySql()}) inside a
     * savepoint: should the statement fail (a constraint the net change trips that the changes one by one would
     * not, say), the savepoint is rolled back and the caller applies {@link #changes()} row by row instead, so
     * the outcome is never worse than theirs.
     *
     * @return false when the statement failed and was rolled back
     */
    boolean apply(Connection c, PreparedStatement ps) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            bind(c, ps);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (PgErrors.cancelled(e) || PgErrors.connectionLost(e)) {
                throw failed(e); // not the statement's fault: row by row would not fare better
            }
            try {
                c.rollback(sp);
                c.releaseSavepoint(sp);
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
                throw failed(e);
            }
            return false;
        }
        c.releaseSavepoint(sp);
        return true;
    }

    private SQLException failed(SQLException e) {
        return ApplyBatches.applyFailed(table, e);
    }

    /** Params: the keys to delete, one text[] per key column; the rows to insert, one text[] per source column. */
    private void bind(Connection c, PreparedStatement ps) throws SQLException {
        int keys = table.keyIndex().length;
        int cols = table.columnCount();
        List<List<String>> deleted = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<List<String>, State> e : net.entrySet()) {
            if (e.getValue().deleteFirst) {
                deleted.add(e.getKey());
            }
            if (e.getValue().row != null) {
                rows.add(e.getValue().row);
            }
        }
        int p = 1;
        for (int k = 0; k < keys; k++) {
            String[] values = new String[deleted.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = deleted.get(i).get(k);
            }
            ps.setArray(p++, c.createArrayOf("text", values));
        }
        for (int col = 0; col < cols; col++) {
            String[] values = new String[rows.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = rows.get(i)[col];
            }
            ps.setArray(p++, c.createArrayOf("text", values));
        }
    }
}
