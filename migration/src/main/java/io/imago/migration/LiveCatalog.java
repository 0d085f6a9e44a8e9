package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The read-only questions the engine asks a live database outside the copy and the shipping: which tables a
 * fence must cover, which cannot be shipped for want of a key, how much WAL a slot holds back. Each opens a
 * short-lived connection with short timeouts: the database may be production, and may not answer.
 */
public final class LiveCatalog {
    private LiveCatalog() {
    }

    /**
     * Every table of schema public, migrated or not: at a switch the old universe stops taking writes altogether,
     * and a writer must not hold an xid on an unfenced table while it waits on a fenced one.
     */
    public static List<String> publicTables(PgEndpoint db) throws SQLException {
        List<String> tables = names(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
        Map<String, Set<String>> references = new HashMap<>();
        try (Connection c = db.connectBrief(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT ch.relname, pa.relname FROM pg_constraint f
                JOIN pg_class ch ON ch.oid = f.conrelid JOIN pg_namespace chn ON chn.oid = ch.relnamespace
                JOIN pg_class pa ON pa.oid = f.confrelid JOIN pg_namespace pan ON pan.oid = pa.relnamespace
                WHERE f.contype = 'f' AND chn.nspname = 'public' AND pan.nspname = 'public' AND f.conrelid <> f.confrelid""")) {
            while (rs.next()) {
                references.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
            }
        }
        return referencingFirst(tables, references);
    }

    /**
     * The order a fence locks tables in: a table before the tables it references. A writer that inserts into a
     * child table holds it while it checks the parent; a fence that took the parent first and waits for the
     * child would deadlock with it, one that takes the child first just waits for the writer to commit. (Cycles,
     * and writers that go parent first, can still deadlock: the fence then tries again, see {@link SessionFence}.)
     */
    static List<String> referencingFirst(List<String> tables, Map<String, Set<String>> references) {
        Map<String, Integer> referencedBy = new HashMap<>();
        tables.forEach(t -> referencedBy.put(t, 0));
        references.forEach((child, parents) -> parents.forEach(p -> referencedBy.computeIfPresent(p, (k, n) -> n + 1)));
        List<String> out = new ArrayList<>();
        java.util.Deque<String> ready = new java.util.ArrayDeque<>();
        tables.stream().filter(t -> referencedBy.get(t) == 0).forEach(ready::add);
        Set<String> placed = new HashSet<>();
        while (!ready.isEmpty()) {
            String t = ready.poll();
            out.add(t);
            placed.add(t);
            for (String p : references.getOrDefault(t, Set.of())) {
                if (referencedBy.computeIfPresent(p, (k, n) -> n - 1) != null && referencedBy.get(p) == 0) {
                    ready.add(p);
                }
            }
        }
        tables.stream().filter(t -> !placed.contains(t)).forEach(out::add); // a cycle: by name
        return out;
    }

    /** Tables of schema public (not partitions) without a primary key: their updates and deletes cannot be shipped by key. */
    public static List<String> tablesWithoutPrimaryKey(PgEndpoint db) throws SQLException {
        return names(db, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                + "AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) ORDER BY 1");
    }

    /** Whether a replication slot of that name exists on the server. */
    public static boolean slotExists(PgEndpoint db, String slot) throws SQLException {
        try (Connection c = db.connectBrief(); PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * One of imago's replication slots on a server.
     *
     * @param walHeldBytes WAL the server keeps for it (from its restart position to the current one)
     * @param walStatus PostgreSQL's word for it (reserved, extended, unreserved: about to be lost, lost); null before 13
     */
    public record SlotUse(String name, boolean active, long walHeldBytes, String walStatus) {
    }

    /** Imago's slots on the server (named {@code imago_…}), with the WAL each holds back. */
    public static List<SlotUse> imagoSlots(PgEndpoint db) throws SQLException {
        List<SlotUse> out = new ArrayList<>();
        try (Connection c = db.connectBrief()) {
            boolean walStatus = c.getMetaData().getDatabaseMajorVersion() >= 13;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT slot_name, active, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint, "
                            + (walStatus ? "wal_status" : "NULL") + " FROM pg_replication_slots WHERE slot_name LIKE 'imago\\_%' ORDER BY 1")) {
                while (rs.next()) {
                    out.add(new SlotUse(rs.getString(1), rs.getBoolean(2), rs.getLong(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    /**
     * How big a table is, as the catalog tells without reading it: its heap (with TOAST) and its indexes in bytes,
     * and the planner's row estimate. A partitioned table counts its partitions ({@code pg_partition_tree} lists
     * nothing for a plain table, hence the table itself besides).
     *
     * @param estimatedRows {@code pg_class.reltuples} (as of the last ANALYZE or VACUUM) or, for a table never
     *     analyzed, {@code pg_stat_user_tables.n_live_tup}; 0 when neither knows. Not the larger of the two:
     *     n_live_tup can count a bulk insert twice when ANALYZE ran before the inserting session reported it
     */
    public record TableSize(String table, long heapBytes, long indexBytes, long estimatedRows) {
    }

    /**
     * The size of every table of schema public (partitions counted in their parent), by name, from {@code pg_class}
     * and {@code pg_stat_user_tables}: catalog reads only, so a role that can only read may ask, and nothing is scanned.
     */
    public static List<TableSize> tableSizes(PgEndpoint db) throws SQLException {
        List<TableSize> out = new ArrayList<>();
        try (Connection c = db.connectBrief(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT c.relname, t.heap, t.idx, t.rows FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                CROSS JOIN LATERAL (
                    SELECT coalesce(sum(pg_table_size(p.relid)), 0)::bigint AS heap,
                           coalesce(sum(pg_indexes_size(p.relid)), 0)::bigint AS idx,
                           coalesce(sum(CASE WHEN pc.reltuples > 0 THEN pc.reltuples ELSE coalesce(s.n_live_tup, 0) END), 0)::bigint AS rows
                    FROM (SELECT c.oid AS relid UNION SELECT relid::oid FROM pg_partition_tree(c.oid)) p
                    JOIN pg_class pc ON pc.oid = p.relid
                    LEFT JOIN pg_stat_user_tables s ON s.relid = p.relid
                    WHERE pc.relkind = 'r') t
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                ORDER BY c.relname""")) {
            while (rs.next()) {
                out.add(new TableSize(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        return out;
    }

    /**
     * How fast the server writes its log: WAL bytes between two readings of {@code pg_current_wal_lsn()} taken
     * {@code sample} apart, on one connection. Reads only a position, so a role that can only read may ask.
     *
     * @param bytes WAL written between the two readings
     * @param seconds the time between them, as measured here
     */
    public record WalRate(long bytes, double seconds) {
        public double bytesPerSecond() {
            return seconds <= 0 ? 0 : bytes / seconds;
        }
    }

    public static WalRate walRate(PgEndpoint db, java.time.Duration sample) throws SQLException {
        try (Connection c = db.connectBrief(); Statement st = c.createStatement()) {
            Lsn first = currentWal(st);
            long t0 = System.nanoTime();
            try {
                Thread.sleep(sample.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while sampling the write rate", e);
            }
            Lsn second = currentWal(st);
            double secs = (System.nanoTime() - t0) / 1e9;
            return new WalRate(first.isBefore(second) ? second.value() - first.value() : 0, secs);
        }
    }

    private static Lsn currentWal(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    private static List<String> names(PgEndpoint db, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connectBrief(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
