package io.imago.migration;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The statements {@link ChangeApplier} has decided on, on their way to the target, in order: at most one kind is
 * pending at a time (a JDBC batch of one prepared statement, or one keyed table's {@link NetChangeBatch}), and it is
 * flushed before anything else is sent, so memory stays bounded by {@link ChangeApplier#BATCH} however large the
 * source transaction is. Holds the prepared statements, one per SQL text, for the session.
 */
final class ApplyBatches implements AutoCloseable {
    private final Connection target;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();
    private PreparedStatement batch;
    private ShippedTable batchTable;
    private int batched;
    /** The pending changes of one keyed table, applied set-based; never pending together with {@link #batch}. */
    private NetChangeBatch net;
    private long setApplies;
    private long setFallbacks;
    /** Set-based applies in the open target transaction: each is a subtransaction (its savepoint). */
    private int setAppliesInTransaction;

    ApplyBatches(Connection target) {
        this.target = target;
    }

    /** Adds a row statement to the pending JDBC batch (flushing whatever else is pending first). */
    void add(ShippedTable t, String sql, String[] params) throws SQLException {
        PreparedStatement ps = statement(sql);
        if (ps != batch) {
            flush();
        }
        bind(ps, params);
        ps.addBatch();
        batch = ps;
        batchTable = t;
        if (++batched >= ChangeApplier.BATCH) {
            flush();
        }
    }

    /** Adds a keyed table's change (the parameters of {@link ShippedTable#applyByKeySql()}) to its net batch. */
    void addKeyed(ShippedTable t, boolean delete, String[] key, String[] row, boolean insert, String[] params) throws SQLException {
        if (batch != null || (net != null && net.table() != t)) {
            flush(); // in order: another statement is pending
        }
        if (net == null) {
            net = new NetChangeBatch(t);
        }
        net.add(delete, key, row, insert, params);
        if (net.size() >= ChangeApplier.BATCH) {
            flush();
        }
    }

    /** Takes the pending net batch when it holds a single change, for the caller to send with its commit; else null. */
    NetChangeBatch takeLone() {
        NetChangeBatch lone = net != null && net.size() == 1 ? net : null;
        if (lone != null) {
            net = null;
        }
        return lone;
    }

    /** Sends what is pending. */
    void flush() throws SQLException {
        if (net != null) {
            NetChangeBatch n = net;
            net = null;
            if (n.size() >= NetChangeBatch.MIN_SET && setAppliesInTransaction < NetChangeBatch.MAX_PER_TRANSACTION) {
                setAppliesInTransaction++;
                if (n.apply(target, statement(n.table().setApplySql()))) {
                    setApplies++;
                    return;
                }
                setFallbacks++;
            }
            // Row by row: a small batch, one the set statement could not apply, or past the transaction's savepoints.
            PreparedStatement ps = statement(n.table().applyByKeySql());
            for (String[] params : n.changes()) {
                bind(ps, params);
                ps.addBatch();
            }
            batch = ps;
            batchTable = n.table();
        }
        if (batch == null) {
            return;
        }
        PreparedStatement ps = batch;
        ShippedTable t = batchTable;
        batch = null;
        batched = 0;
        try {
            ps.executeBatch();
        } catch (BatchUpdateException e) {
            throw applyFailed(t, e.getNextException() != null ? e.getNextException() : e);
        }
    }

    /** The target transaction ended (committed): its savepoint count starts again. */
    void transactionEnded() {
        setAppliesInTransaction = 0;
    }

    /** The target transaction was rolled back: what was pending is dropped. */
    void discard() {
        batch = null;
        net = null;
        batched = 0;
        setAppliesInTransaction = 0;
    }

    long setApplies() {
        return setApplies;
    }

    long setFallbacks() {
        return setFallbacks;
    }

    PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = target.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    static void bind(PreparedStatement ps, String[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setString(i + 1, params[i]);
        }
    }

    /** A failed apply, named by its target table, keeping the server's SQL state. */
    static SQLException applyFailed(ShippedTable t, SQLException cause) {
        return new SQLException("applying changes to target table '" + t.migration().targetTable() + "' failed: " + cause.getMessage(),
                cause.getSQLState(), cause);
    }

    @Override
    public void close() {
        for (PreparedStatement ps : prepared.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        prepared.clear();
    }
}
