package io.imago.migration;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOperation;
import org.postgresql.copy.CopyOut;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Loads one table, or one key range of it: streams {@code COPY ... TO STDOUT} from the source into {@code COPY ... FROM STDIN} on
 * the target, one row at a time through a fixed buffer, so memory stays bounded whatever the table size.
 * The target side is one transaction: a crash leaves the table as it was (empty after the truncation),
 * and the staging table, created and dropped inside it, is never seen by anyone.
 */
final class TableCopy {
    /** Rows are batched into CopyData messages of this size on the way to the target. */
    private static final int BUFFER_BYTES = 1 << 16;
    private static final long REPORT_EVERY_ROWS = 10_000;

    private TableCopy() {
    }

    /**
     * @param source in the transaction that imported the snapshot; left in it
     * @param target in autocommit mode; left in it
     * @param binary use COPY's binary format where {@link TransformSql#binaryCopyPossible()} allows it
     * @param freeze the chunk is the whole table and the table is {@link #freezable}: a direct load truncates it in its
     *     transaction and loads it with FREEZE, so its rows are written frozen with their hint bits set: the index
     *     builds, the foreign key checks and the first queries do not each have to look the loading transaction up,
     *     nor set those bits and write every page again (PostgreSQL only allows FREEZE into a table created or
     *     truncated in the same transaction, and the first run of VACUUM does not have to freeze it all later)
     * @return target rows loaded by this chunk
     */
    static long copy(Connection source, Connection target, CopyChunk chunk, boolean binary, boolean freeze, CopyProgress progress)
            throws SQLException {
        TableMigration m = chunk.table();
        TransformSql sql = new TransformSql(m);
        progress.tableStarted(m.targetTable(), m.estimatedRows());
        target.setAutoCommit(false);
        try {
            long rows;
            if (m.direct()) {
                boolean bin = binary && sql.binaryCopyPossible();
                boolean frozen = freeze && chunk.count() == 1;
                if (frozen) {
                    try (Statement st = target.createStatement()) {
                        st.execute("TRUNCATE ONLY " + Sql.table(m.targetTable()));
                    }
                }
                rows = stream(source, sql.copyOutSql(chunk.keyRange(), bin), target, sql.directCopyInSql(bin, frozen), bin, m.targetTable(),
                        progress);
            } else {
                String staging = sql.stagingTable(chunk.stagingSuffix());
                try (Statement st = target.createStatement()) {
                    st.execute(sql.createStagingSql(staging));
                    boolean bin = binary && sql.stagingBinaryPossible();
                    stream(source, sql.copyOutSql(chunk.keyRange(), bin), target, sql.stagingCopyInSql(staging, bin), bin, m.targetTable(), progress);
                    rows = st.executeLargeUpdate(sql.insertFromStaging(staging));
                    st.execute("DROP TABLE " + Sql.table(staging));
                }
            }
            target.commit();
            progress.tableDone(m.targetTable(), rows);
            return rows;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(target, e);
            throw e;
        } finally {
            try {
                target.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection broke: the error that broke it is already on its way up
            }
        }
    }

    /**
     * The tables among {@code tables} (target names, schema public) that a load may truncate in its own transaction, so
     * load with FREEZE: plain tables (FREEZE refuses partitioned ones) that no foreign key references (TRUNCATE refuses
     * those; the copied tables' own foreign keys are dropped by then, but a table outside the copy may still have one).
     */
    static Set<String> freezable(Connection target, Collection<String> tables) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY(?)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.oid)""")) {
            ps.setArray(1, target.createArrayOf("text", tables.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Streams one {@code COPY ... TO STDOUT} on {@code source} into one {@code COPY ... FROM STDIN} on {@code target}
     * through a fixed buffer.
     *
     * @return rows loaded
     */
    static long stream(Connection source, String copyOut, Connection target, String copyIn, boolean binary, String table,
                               CopyProgress progress) throws SQLException {
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOut);
        PGCopyOutputStream in = null;
        try {
            in = new PGCopyOutputStream(target.unwrap(PGConnection.class), copyIn, BUFFER_BYTES);
            long rows = 0;
            long reported = 0;
            long bytes = 0;
            byte[] row;
            // The server sends one CopyData message per row (in binary, the header rides with the first row and
            // the two-byte trailer comes alone).
            while ((row = out.readFromCopy()) != null) {
                in.write(row);
                bytes += row.length;
                if (binary && isBinaryTrailer(row)) {
                    continue;
                }
                if (++rows - reported >= REPORT_EVERY_ROWS) {
                    progress.bytesCopied(table, bytes);
                    bytes = 0;
                    progress.rowsCopied(table, rows - reported);
                    reported = rows;
                }
            }
            long loaded = in.endCopy();
            if (binary) {
                rows = loaded; // a binary copy is direct: no filter, so source rows are exactly the rows loaded
            }
            if (bytes > 0) {
                progress.bytesCopied(table, bytes);
            }
            if (rows > reported) {
                progress.rowsCopied(table, rows - reported);
            }
            return loaded;
        } catch (IOException e) {
            throw e.getCause() instanceof SQLException s ? s : new SQLException("COPY into the target failed: " + e.getMessage(), e);
        } finally {
            cancelQuietly(out);
            cancelQuietly(in);
        }
    }

    private static boolean isBinaryTrailer(byte[] message) {
        return message.length == 2 && message[0] == (byte) 0xff && message[1] == (byte) 0xff;
    }

    private static void cancelQuietly(CopyOperation op) {
        try {
            if (op != null && op.isActive()) {
                op.cancelCopy();
            }
        } catch (SQLException ignored) {
            // the copy already failed; its first error is the one worth reporting
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
