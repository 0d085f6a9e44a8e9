package io.imago.migration;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * How fast a live source gives up its rows: a sample of each table read with the copy's own binary {@code COPY},
 * in a read-only transaction, as the role that can only read, the rows thrown away. The snapshot copy cannot read
 * faster than this per stream, whatever the new database could take: a source across a slow link (a move between
 * providers) shows here, not in what earlier applies measured.
 *
 * @param rows rows read
 * @param heapBytes the sampled share of the tables' heap (each table's share of rows times its heap size)
 * @param streamBytes bytes the COPY streams carried
 * @param seconds the reading's wall time, one stream
 */
public record SourceReadSample(long rows, long heapBytes, long streamBytes, double seconds) {
    /** Rows per second of one stream; 0 when nothing was read. */
    public double rowsPerSecond() {
        return seconds <= 0 || rows == 0 ? 0 : rows / seconds;
    }

    /** Source heap bytes per second of one stream; 0 when nothing was read. */
    public double heapBytesPerSecond() {
        return seconds <= 0 || heapBytes == 0 ? 0 : heapBytes / seconds;
    }

    /**
     * Reads about {@code budgetBytes} of heap, spread over the tables by size (the first rows of each, by
     * {@code LIMIT}: a sequential scan that stops early, on every server version).
     */
    public static SourceReadSample read(PgEndpoint reader, List<LiveCatalog.TableSize> tables, long budgetBytes) throws SQLException {
        long heap = tables.stream().mapToLong(LiveCatalog.TableSize::heapBytes).sum();
        double share = heap <= budgetBytes ? 1.0 : (double) budgetBytes / heap;
        long rows = 0;
        double sampledHeap = 0;
        Counting sink = new Counting();
        try (Connection c = reader.connect()) {
            c.setAutoCommit(false);
            c.setReadOnly(true); // nothing this reading runs can change the source
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            long t0 = System.nanoTime();
            for (LiveCatalog.TableSize t : tables) {
                long limit = (long) Math.ceil(t.estimatedRows() * share);
                if (limit <= 0) {
                    continue;
                }
                long read = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT * FROM " + Sql.table(t.table()) + " LIMIT " + limit
                        + ") TO STDOUT (FORMAT binary)", sink);
                rows += read;
                sampledHeap += t.estimatedRows() <= 0 ? 0 : (double) t.heapBytes() * Math.min(1.0, (double) read / t.estimatedRows());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            c.rollback();
            return new SourceReadSample(rows, Math.round(sampledHeap), sink.bytes, seconds);
        } catch (IOException e) {
            throw new SQLException("reading a sample of the source failed: " + e.getMessage(), e);
        }
    }

    /** Counts what the COPY sends and keeps none of it. */
    private static final class Counting extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
