package io.imago.migration;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
     * @return target rows loaded by this chunk
     */
    static long copy(Connection source, Connection target, CopyChunk chunk, boolean binary, CopyProgress progress) throws SQLException {
        TableMigration m = chunk.table();
        TransformSql sql = new TransformSql(m);
        progress.tableStarted(m.targetTable(), m.estimatedRows());
        target.setAutoCommit(false);
        try {
            long rows;
            if (m.direct()) {
                boolean bin = binary && sql.binaryCopyPossible();
                rows = stream(source, sql.copyOutSql(chunk.keyRange(), bin), target, sql.directCopyInSql(bin), bin, m.targetTable(), progress);
            } else {
                String staging = sql.stagingTable(chunk.stagingSuffix());
                try (Statement st = target.createStatement()) {
                    st.execute(sql.createStagingSql(staging));
                    stream(source, sql.copyOutSql(chunk.keyRange(), false), target, sql.stagingCopyInSql(staging), false, m.targetTable(), progress);
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
