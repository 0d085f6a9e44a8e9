package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The switch's sequence work, split so that almost none of it falls inside the write pause. Before the pause,
 * {@link #prepare} learns which target sequence follows which source column and sets each target sequence a
 * {@code margin} ahead of everything handed out so far (on the source) or loaded (on the target). Inside the pause,
 * the session fence reads what the source's sequences ({@link #sourceSequences}) last handed out in its own round trip,
 * and {@link #verify} checks in one round trip to the target that neither those values nor the target's keys reached
 * the mark, and moves only a sequence that fell short: normally nothing moves. The result
 * is what {@link SequenceSync#advance} and {@link SequenceSync#carryOver} would have left, a gap of up to
 * {@code margin} values apart, which sequences never promise to avoid.
 */
public final class SequenceHandover {
    /** One target sequence: the source sequence whose values it must stay ahead of (null: none), and its mark. */
    private record Tracked(String sequence, String targetTable, String targetColumn, String sourceSequence, long mark) {}


    private final List<Tracked> tracked;

    private SequenceHandover(List<Tracked> tracked) {
        this.tracked = tracked;
    }

    /**
     * Before the pause: sets every owned, ascending sequence of the target's tables {@code margin} past the highest
     * value the source handed out for the column it maps from, and past the target's own highest key; never backwards,
     * never past the sequence's maximum.
     */
    public static SequenceHandover prepare(Connection source, Connection target, List<TableMigration> tables, long margin)
            throws SQLException {
        Map<String, SequenceSync.SourceSequence> sourceSequences = SequenceSync.sourceSequences(source, tables);
        Map<String, String> sourceOf = new HashMap<>(); // "targetTable.targetColumn" -> "sourceTable.sourceColumn"
        for (TableMigration m : tables) {
            for (ColumnMapping c : m.columns()) {
                if (c.sourceColumn() != null) {
                    sourceOf.put(m.targetTable() + "." + c.targetColumn(), m.sourceTable() + "." + c.sourceColumn().name());
                }
            }
        }
        List<Tracked> out = new ArrayList<>();
        for (Owned o : owned(target, tables.stream().map(TableMigration::targetTable).toList())) {
            SequenceSync.SourceSequence src = sourceSequences.get(sourceOf.get(o.table() + "." + o.column()));
            long highest = Math.max(o.highestKey(), src == null || src.lastValue() == null ? Long.MIN_VALUE : src.lastValue());
            long mark = Math.min(o.maxValue(), Math.max(o.lastValue(), saturatedAdd(highest, margin)));
            if (mark > o.lastValue()) {
                setval(target, o.sequence(), mark);
            }
            out.add(new Tracked(o.sequence(), o.table(), o.column(), src == null ? null : src.sequence(), Math.max(mark, o.lastValue())));
        }
        return new SequenceHandover(out);
    }

    /** The source's sequences whose values {@link #verify} needs, for the session fence to read (as regclass prints them). */
    public List<String> sourceSequences() {
        return tracked.stream().map(Tracked::sourceSequence).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /**
     * Inside the pause, once the source is fenced and the log drained: moves each target sequence that the source's
     * values or the target's keys reached since {@link #prepare}. One round trip to the target, plus one per sequence
     * moved.
     *
     * @param sourceValues what each of {@link #sourceSequences} last handed out once the source was fenced (null: never used)
     * @return the sequences moved, with their new value (normally none)
     */
    public Map<String, Long> verify(Map<String, Long> sourceValues, Connection target) throws SQLException {
        Map<String, Long> moved = new LinkedHashMap<>();
        if (tracked.isEmpty()) {
            return moved;
        }
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < tracked.size(); i++) {
            Tracked t = tracked.get(i);
            sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT ").append(i).append(", (SELECT max(").append(Sql.ident(t.targetColumn()))
                    .append(")::bigint FROM ").append(Sql.table(t.targetTable())).append("), (SELECT last_value FROM ").append(t.sequence())
                    .append(")");
        }
        try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                Tracked t = tracked.get(rs.getInt(1));
                long key = rs.getLong(2);
                long highestKey = rs.wasNull() ? Long.MIN_VALUE : key;
                Long handedOut = t.sourceSequence() == null ? null : sourceValues.get(t.sourceSequence());
                long highest = Math.max(highestKey, handedOut == null ? Long.MIN_VALUE : handedOut);
                long current = Math.max(t.mark(), rs.getLong(3));
                if (highest >= current) {
                    setval(target, t.sequence(), highest);
                    moved.put(t.sequence(), highest);
                }
            }
        }
        return moved;
    }

    private record Owned(String sequence, String table, String column, long lastValue, long maxValue, long highestKey) {}

    /** The target tables' owned ascending sequences (serial: deptype 'a'; identity: 'i'), each with its table's highest key. */
    private static List<Owned> owned(Connection target, List<String> tables) throws SQLException {
        record Seq(String sequence, String table, String column, long lastValue, long maxValue) {}
        List<Seq> seqs = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT seq.oid::regclass::text, c.relname, a.attname, coalesce(ps.last_value, ps.start_value - 1), ps.max_value
                FROM pg_depend d
                JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
                JOIN pg_namespace sn ON sn.oid = seq.relnamespace
                JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = seq.relname AND ps.increment_by > 0
                JOIN pg_class c ON c.oid = d.refobjid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                  AND n.nspname = 'public' AND c.relname = ANY (?)
                ORDER BY 1""")) {
            ps.setArray(1, target.createArrayOf("text", tables.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.add(new Seq(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
                }
            }
        }
        List<Owned> out = new ArrayList<>();
        for (Seq s : seqs) {
            try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery("SELECT coalesce(max(" + Sql.ident(s.column())
                    + ")::bigint, " + Long.MIN_VALUE + ") FROM " + Sql.table(s.table()))) {
                rs.next();
                out.add(new Owned(s.sequence(), s.table(), s.column(), s.lastValue(), s.maxValue(), rs.getLong(1)));
            }
        }
        return out;
    }

    private static void setval(Connection target, String sequence, long value) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT setval(?::regclass, ?)")) {
            ps.setString(1, sequence);
            ps.setLong(2, value);
            ps.executeQuery().close();
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
