package io.imago.migration;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the planner needs from one database's catalog: the user tables of schema public, read in three
 * queries (not one per table) so planning a schema of hundreds of tables stays quick.
 */
final class PgCatalog {

    record Column(String name, String type, boolean notNull, boolean hasDefault, boolean generated, boolean identity) {
    }

    /** @param relkind 'r' a plain table, 'p' a partitioned one; @param replicaIdentity pg_class.relreplident */
    record Table(String name, char relkind, char replicaIdentity, long estimatedRows, List<Column> columns, List<String> primaryKey) {
        Optional<Column> column(String col) {
            return columns.stream().filter(c -> c.name().equals(col)).findFirst();
        }
    }

    private PgCatalog() {
    }

    static Map<String, Table> publicTables(Connection c) throws SQLException {
        int version = c.getMetaData().getDatabaseMajorVersion();
        Map<String, char[]> kinds = new LinkedHashMap<>();
        Map<String, Long> estimates = new HashMap<>();
        // Partitions are read through their partitioned root, so they are not tables of their own here.
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT c.relname, c.relkind, c.relreplident,
                            CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE coalesce(s.n_live_tup, 0) END
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                     ORDER BY c.relname""")) {
            while (rs.next()) {
                kinds.put(rs.getString(1), new char[] {rs.getString(2).charAt(0), rs.getString(3).charAt(0)});
                // reltuples is -1 until the table is first analyzed; the statistics' live count stands in then.
                estimates.put(rs.getString(1), Math.max(0, rs.getLong(4)));
            }
        }
        Map<String, List<Column>> columns = new HashMap<>();
        String generated = version >= 12 ? "a.attgenerated <> ''" : "false";
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef,
                            %s, a.attidentity <> ''
                     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
                     ORDER BY c.relname, a.attnum""".formatted(generated))) {
            while (rs.next()) {
                columns.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Column(rs.getString(2), rs.getString(3),
                        rs.getBoolean(4), rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7)));
            }
        }
        Map<String, List<String>> keys = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT c.relname, a.attname
                     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE i.indisprimary AND n.nspname = 'public'
                     ORDER BY c.relname, k.ord""")) {
            while (rs.next()) {
                keys.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        Map<String, Table> tables = new LinkedHashMap<>();
        kinds.forEach((name, k) -> tables.put(name, new Table(name, k[0], k[1], estimates.get(name),
                List.copyOf(columns.getOrDefault(name, List.of())), List.copyOf(keys.getOrDefault(name, List.of())))));
        return tables;
    }

    /** Which of these type names (format_type output) the database resolves. */
    static Set<String> knownTypes(Connection c, Collection<String> typeNames) throws SQLException {
        Set<String> known = new HashSet<>();
        if (typeNames.isEmpty()) {
            return known;
        }
        Array arr = c.createArrayOf("text", typeNames.toArray());
        try (PreparedStatement ps = c.prepareStatement("SELECT t FROM unnest(?::text[]) AS t WHERE to_regtype(t) IS NOT NULL")) {
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getString(1));
                }
            }
        }
        return known;
    }
}
