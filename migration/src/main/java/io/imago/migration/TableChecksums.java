package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Compares a migrated table with its source, computed by the databases: the source converts its
 * rows with the migration's own SQL and hashes each converted row's text; the target hashes its
 * rows the same way. The per-table sum of hashes is order-independent, so the common case costs
 * one aggregate query per side; only on a mismatch are both sides streamed in key order to name
 * the first differing keys. Both sides must be quiet (fenced source, target not yet live).
 */
public final class TableChecksums {
    /** @param differingKeys the first keys (as row text) present on one side only or with other values */
    public record Result(String sourceTable, String targetTable, long sourceRows, long targetRows, String sourceSum, String targetSum,
            List<String> differingKeys) {
        public boolean matches() {
            return sourceRows == targetRows && sourceSum.equals(targetSum);
        }
    }

    private TableChecksums() {}

    public static Result compare(Connection source, Connection target, TableMigration m, int maxKeys) throws SQLException {
        TransformSql sql = new TransformSql(m);
        String cols = m.columns().stream().map(c -> "c." + Sql.ident(c.targetColumn())).collect(Collectors.joining(", "));
        List<String> key = m.targetKey().isEmpty() ? sql.targetColumns() : m.targetKey();
        // Both sides sort keys in byte order ("C"), the order the merge below compares them in.
        String keyRow = "(ROW(" + key.stream().map(k -> "c." + Sql.ident(k)).collect(Collectors.joining(", ")) + ")::text) COLLATE \"C\"";
        String srcRows = "(" + sql.selectConverted(Sql.table(m.sourceTable()) + " AS s") + ") c";
        String dstRows = "(SELECT " + Sql.idents(sql.targetColumns()) + " FROM " + Sql.table(m.targetTable()) + ") c";
        String hash = "md5(ROW(" + cols + ")::text)";
        String agg = "SELECT count(*), coalesce(sum(('x' || substr(" + hash + ", 1, 15))::bit(60)::bigint::numeric), 0)::text FROM ";
        utc(source);
        utc(target);
        long[] counts = new long[2];
        String[] sums = new String[2];
        aggregate(source, agg + srcRows, counts, sums, 0);
        aggregate(target, agg + dstRows, counts, sums, 1);
        List<String> keys = List.of();
        if (counts[0] != counts[1] || !sums[0].equals(sums[1])) {
            String order = " ORDER BY 1";
            keys = firstDifferences(source, "SELECT " + keyRow + ", " + hash + " FROM " + srcRows + order,
                    target, "SELECT " + keyRow + ", " + hash + " FROM " + dstRows + order, maxKeys);
        }
        return new Result(m.sourceTable(), m.targetTable(), counts[0], counts[1], sums[0], sums[1], keys);
    }

    /** Both sides render values (timestamps above all) in one time zone, so equal rows hash equally. */
    private static void utc(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("SET DateStyle = 'ISO, YMD'");
            s.execute("SET extra_float_digits = 3");
        }
    }

    private static void aggregate(Connection c, String sql, long[] counts, String[] sums, int i) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            counts[i] = rs.getLong(1);
            sums[i] = rs.getString(2);
        }
    }

    /** A merge of the two key-ordered streams; memory stays bounded by the fetch size. */
    private static List<String> firstDifferences(Connection src, String srcSql, Connection dst, String dstSql, int max) throws SQLException {
        List<String> out = new ArrayList<>();
        boolean srcAuto = src.getAutoCommit();
        boolean dstAuto = dst.getAutoCommit();
        src.setAutoCommit(false);
        dst.setAutoCommit(false);
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
        } finally {
            src.rollback();
            dst.rollback();
            src.setAutoCommit(srcAuto);
            dst.setAutoCommit(dstAuto);
        }
        return out;
    }
}
