package io.imago.migration;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves the target's serial/identity sequences past the rows loaded with explicit keys, so the first
 * row the new universe inserts does not collide. Run after the bulk copy, and again after the drain at
 * switchover (shipped inserts carry explicit keys too). Never moves a sequence backwards.
 */
public final class SequenceSync {
    private SequenceSync() {
    }

    /**
     * @param targetTables tables of schema public whose owned sequences to advance
     * @return each sequence moved, with its new value
     */
    public static Map<String, Long> advance(Connection target, Collection<String> targetTables) throws SQLException {
        record Owned(String sequence, String table, String column) {
        }
        List<Owned> owned = new ArrayList<>();
        Array tables = target.createArrayOf("text", targetTables.toArray());
        // deptype 'a': a serial's sequence (OWNED BY); 'i': an identity column's. Descending ones are left alone.
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT seq.oid::regclass::text, c.relname, a.attname
                FROM pg_depend d
                JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
                JOIN pg_sequence s ON s.seqrelid = seq.oid AND s.seqincrement > 0
                JOIN pg_class c ON c.oid = d.refobjid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                  AND n.nspname = 'public' AND c.relname = ANY (?)
                ORDER BY 1""")) {
            ps.setArray(1, tables);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    owned.add(new Owned(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        Map<String, Long> moved = new LinkedHashMap<>();
        for (Owned o : owned) {
            // A sequence not yet called hands out last_value itself next; a called one, the value after it.
            String sql = "SELECT setval(" + Sql.literal(o.sequence()) + "::regclass, x.m) FROM (SELECT max(" + Sql.ident(o.column())
                    + ")::bigint AS m FROM " + Sql.table(o.table()) + ") AS x, " + o.sequence() + " AS q"
                    + " WHERE x.m > q.last_value OR (x.m = q.last_value AND NOT q.is_called)";
            try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                if (rs.next()) {
                    moved.put(o.sequence(), rs.getLong(1));
                }
            }
        }
        return moved;
    }

    /**
     * Carries the source's sequence positions over to the target, through the migration's table and column
     * renames: the target then never hands out a value the source already handed out, even for rows the
     * target does not hold (filtered out by {@code where}, or deleted) but that a way back could meet.
     * Run at the switch, once the source is fenced. Never moves a sequence backwards.
     *
     * @return each target sequence moved, with the value it last handed out now
     */
    public static Map<String, Long> carryOver(Connection source, Connection target, List<TableMigration> tables) throws SQLException {
        Map<String, Long> handedOut = handedOut(source, tables);
        Map<String, Long> moved = new LinkedHashMap<>();
        for (TableMigration m : tables) {
            for (ColumnMapping c : m.columns()) {
                Long value = c.sourceColumn() == null ? null : handedOut.get(m.sourceTable() + "." + c.sourceColumn().name());
                if (value == null) {
                    continue;
                }
                // The target column's own sequence, moved only forwards; no row when it has none or is already past.
                try (PreparedStatement ps = target.prepareStatement("""
                        SELECT x.seq, setval(x.seq, ?)
                        FROM (SELECT pg_get_serial_sequence(?, ?)::regclass AS seq) x
                        JOIN pg_class sc ON sc.oid = x.seq JOIN pg_namespace sn ON sn.oid = sc.relnamespace
                        JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = sc.relname
                        WHERE coalesce(ps.last_value, ps.start_value - 1) < ?""")) {
                    ps.setLong(1, value);
                    ps.setString(2, Sql.table(m.targetTable()));
                    ps.setString(3, c.targetColumn());
                    ps.setLong(4, value);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            moved.put(rs.getString(1), rs.getLong(2));
                        }
                    }
                }
            }
        }
        return moved;
    }

    /** A source column's owned ascending sequence (as regclass prints it); {@code lastValue} null while it was never used. */
    record SourceSequence(String sequence, Long lastValue) {}

    /** "sourceTable.column" -> the highest value the source's owned ascending sequence for that column handed out; a sequence never used is left out. */
    static Map<String, Long> handedOut(Connection source, List<TableMigration> tables) throws SQLException {
        Map<String, Long> handedOut = new LinkedHashMap<>();
        sourceSequences(source, tables).forEach((column, s) -> {
            if (s.lastValue() != null) {
                handedOut.put(column, s.lastValue());
            }
        });
        return handedOut;
    }

    /** "sourceTable.column" -> the source's owned ascending sequence for that column, in one round trip. */
    static Map<String, SourceSequence> sourceSequences(Connection source, List<TableMigration> tables) throws SQLException {
        Map<String, SourceSequence> out = new LinkedHashMap<>();
        Array names = source.createArrayOf("text", tables.stream().map(TableMigration::sourceTable).toArray());
        // pg_sequences.last_value is null for a sequence never used.
        try (PreparedStatement ps = source.prepareStatement("""
                SELECT c.relname, a.attname, seq.oid::regclass::text, ps.last_value
                FROM pg_depend d
                JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
                JOIN pg_namespace sn ON sn.oid = seq.relnamespace
                JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = seq.relname AND ps.increment_by > 0
                JOIN pg_class c ON c.oid = d.refobjid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                  AND n.nspname = 'public' AND c.relname = ANY (?)""")) {
            ps.setArray(1, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long v = rs.getLong(4);
                    out.put(rs.getString(1) + "." + rs.getString(2), new SourceSequence(rs.getString(3), rs.wasNull() ? null : v));
                }
            }
        }
        return out;
    }
}
