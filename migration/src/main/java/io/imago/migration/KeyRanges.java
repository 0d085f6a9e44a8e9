package io.imago.migration;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits big tables into primary-key ranges so that one big table keeps every copy worker busy.
 *
 * <p>Only a single-column integer key is split (other keys: one chunk per table). The bounds come from the
 * key's current min and max, read with an ordinary query, NOT inside the snapshot: that is safe because the
 * first range is open below and the last open above, so the ranges cover every key whatever rows the
 * snapshot holds; a bound that is slightly off only makes chunks a little uneven.
 */
final class KeyRanges {
    /** Below this many estimated rows per chunk, the per-chunk overhead (a query, a transaction) is not worth it. */
    static final long DEFAULT_MIN_CHUNK_ROWS = 100_000;
    /** Chunks of about this size keep the tail short when tables of different sizes share the workers. */
    private static final long TARGET_CHUNK_ROWS = 500_000;
    private static final int MAX_CHUNKS = 64;
    private static final Set<String> INTEGER_TYPES = Set.of("smallint", "integer", "bigint");

    private final int parallelism;
    private final long minChunkRows;

    KeyRanges(int parallelism, long minChunkRows) {
        this.parallelism = parallelism;
        this.minChunkRows = minChunkRows;
    }

    /** How many chunks a table of this size should get: at least one per worker once it is worth splitting. */
    int chunkCount(long estimatedRows) {
        if (parallelism < 2 || estimatedRows < 2 * minChunkRows) {
            return 1;
        }
        long bySize = (estimatedRows + TARGET_CHUNK_ROWS - 1) / TARGET_CHUNK_ROWS;
        long byMinimum = estimatedRows / minChunkRows;
        return (int) Math.min(MAX_CHUNKS, Math.min(byMinimum, Math.max(parallelism, bySize)));
    }

    /** The table's chunks, in key order. */
    List<CopyChunk> split(Connection source, TableMigration m) throws SQLException {
        int n = chunkCount(m.estimatedRows());
        if (n < 2 || m.primaryKey().size() != 1) {
            return List.of(CopyChunk.whole(m));
        }
        String key = m.primaryKey().get(0);
        SourceColumn col = m.sourceColumn(key).orElse(null);
        if (col == null || !INTEGER_TYPES.contains(col.type())) {
            return List.of(CopyChunk.whole(m));
        }
        String from = new TransformSql(m).sourceRelation();
        String low;
        String high;
        try (Statement st = source.createStatement()) {
            st.execute("BEGIN READ ONLY"); // like every read of the source: even a bug cannot write there
            try (ResultSet rs = st.executeQuery("SELECT min(" + Sql.ident(key) + ")::text, max(" + Sql.ident(key) + ")::text FROM " + from)) {
                rs.next();
                low = rs.getString(1);
                high = rs.getString(2);
            } finally {
                st.execute("COMMIT");
            }
        }
        if (low == null) {
            return List.of(CopyChunk.whole(m)); // empty now; rows the snapshot may still hold go in one chunk
        }
        BigInteger min = new BigInteger(low);
        BigInteger max = new BigInteger(high);
        List<BigInteger> bounds = bounds(min, max, n);
        if (bounds.isEmpty()) {
            return List.of(CopyChunk.whole(m));
        }
        String k = "s." + Sql.ident(key);
        List<CopyChunk> chunks = new ArrayList<>();
        int count = bounds.size() + 1;
        for (int i = 0; i < count; i++) {
            String lower = i == 0 ? null : k + " >= " + bounds.get(i - 1);
            String upper = i == count - 1 ? null : k + " < " + bounds.get(i);
            String range = lower == null ? upper : upper == null ? lower : lower + " AND " + upper;
            chunks.add(new CopyChunk(m, range, i, count));
        }
        return chunks;
    }

    /** The n-1 distinct inner bounds splitting [min, max] evenly; fewer when the span is too small. */
    static List<BigInteger> bounds(BigInteger min, BigInteger max, int n) {
        BigInteger span = max.subtract(min).add(BigInteger.ONE);
        List<BigInteger> bounds = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            BigInteger b = min.add(span.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n)));
            if (b.compareTo(min) > 0 && (bounds.isEmpty() || b.compareTo(bounds.get(bounds.size() - 1)) > 0)) {
                bounds.add(b);
            }
        }
        return bounds;
    }
}
