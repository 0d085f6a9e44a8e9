package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The checksum of {@link DataChecks#checksum}, computed by the target database on both sides: the source's raw rows
 * (staged on the target) are converted with the migration's own SQL, and each converted row's text is hashed, cast
 * to the target column's type so that it renders as the target's value does; the target's rows are hashed the same
 * way. The per-table sum of hashes is order-independent, so the common case costs one aggregate query per side;
 * only on a mismatch are both sides streamed in key order to name the first differing keys.
 */
final class TableChecksums {
    private TableChecksums() {
    }

    /**
     * @param work the target connection holding the staged source rows, in a read-only transaction
     * @param staged the staged rows under alias {@code s}
     * @param target the target connection reading the cut
     */
    static DataChecks.Checksum compare(Connection work, String staged, Connection target, TableMigration m, int maxKeys) throws SQLException {
        TransformSql sql = new TransformSql(m);
        List<String> key = m.targetKey().isEmpty() ? sql.targetColumns() : m.targetKey();
        String srcRows = "(SELECT " + m.columns().stream().map(c -> "CAST(c." + Sql.ident(c.targetColumn()) + " AS " + c.targetType() + ") AS "
                + Sql.ident(c.targetColumn())).collect(Collectors.joining(", ")) + " FROM (" + sql.selectConverted(staged) + ") c) c";
        String dstRows = "(SELECT " + Sql.idents(sql.targetColumns()) + " FROM " + Sql.table(m.targetTable()) + ") c";
        String cols = sql.targetColumns().stream().map(c -> "c." + Sql.ident(c)).collect(Collectors.joining(", "));
        // Both sides sort keys in byte order ("C"), the order the merge below compares them in.
        String keyRow = "(ROW(" + key.stream().map(k -> "c." + Sql.ident(k)).collect(Collectors.joining(", ")) + ")::text) COLLATE \"C\"";
        String hash = "md5(ROW(" + cols + ")::text)";
        String agg = "SELECT count(*), coalesce(sum(('x' || substr(" + hash + ", 1, 15))::bit(60)::bigint::numeric), 0)::text FROM ";
        long[] counts = new long[2];
        String[] sums = new String[2];
        aggregate(work, agg + srcRows, counts, sums, 0);
        aggregate(target, agg + dstRows, counts, sums, 1);
        List<String> keys = List.of();
        if (counts[0] != counts[1] || !sums[0].equals(sums[1])) {
            String order = " ORDER BY 1";
            keys = firstDifferences(work, "SELECT " + keyRow + ", " + hash + " FROM " + srcRows + order,
                    target, "SELECT " + keyRow + ", " + hash + " FROM " + dstRows + order, maxKeys);
        }
        return new DataChecks.Checksum(m.sourceTable(), m.targetTable(), counts[0], counts[1], sums[0], sums[1], keys);
    }

    private static void aggregate(Connection c, String sql, long[] counts, String[] sums, int i) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            counts[i] = rs.getLong(1);
            sums[i] = rs.getString(2);
        }
    }

    /**
     * A merge of the two key-ordered streams; memory stays bounded by the fetch size (both connections are in a
     * transaction, which the driver needs to fetch in batches).
     */
    private static List<String> firstDifferences(Connection src, String srcSql, Connection dst, String dstSql, int max) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement a = src.createStatement(); Statement b = dst.createStatement()) {
            a.setFetchSize(1000);
            b.setFetchSize(1000);
            try (ResultSet l = a.executeQuery(srcSql); ResultSet r = b.executeQuery(dstSql)) {
                boolean hasL = l.next();
                boolean hasR = r.next();
                while ((hasL || hasR) && out.size() < max) {
                    int cmp = !hasL ? 1 : !hasR ? -1 : l.getString(1).compareTo(r.getString(1));
                    if (cmp < 0) {
                        out.add(l.getString(1) + " (missing on the target)");
                        hasL = l.next();
                    } else if (cmp > 0) {
                        out.add(r.getString(1) + " (not in the source)");
                        hasR = r.next();
                    } else {
                        if (!l.getString(2).equals(r.getString(2))) {
                            out.add(l.getString(1) + " (different values)");
                        }
                        hasL = l.next();
                        hasR = r.next();
                    }
                }
            }
        }
        return out;
    }
}
