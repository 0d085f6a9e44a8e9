package io.imago.migration;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Secondary indexes and constraints of the target tables, dropped before the bulk load and built again
 * after it: building an index once over loaded rows is much cheaper than maintaining it row by row, and
 * foreign keys would otherwise have to be checked row by row (or be off) while tables load in any order.
 *
 * <p>Crash safety: each definition is written to {@code imago_meta.deferred_indexes} in the same transaction
 * that drops the index (DDL is transactional in PostgreSQL), and each rebuild deletes its row in the
 * transaction that creates the index. Whatever the moment of a kill, every index is either present or
 * recorded, and {@link #restore} (run at the end of every copy, and so at the end of the re-run) brings the
 * recorded ones back.
 *
 * <p>Primary keys go too, as pg_restore does: building a key once after the load is cheaper than
 * maintaining it row by row, and nothing reads the target before the copy ends (log shipping, which needs
 * the keys, starts after). Kept in place: keys and unique indexes that a foreign key of another table
 * references (dropping them would need that key dropped too), check and not-null constraints (cheap,
 * checked row by row), and anything on partitioned tables.
 */
final class DeferredIndexes {
    private static final String META = "imago_meta.deferred_indexes";

    /** Foreign keys are restored last, since they need the keys they reference. */
    enum Kind { INDEX, CONSTRAINT, FOREIGN_KEY }

    /**
     * @param references for a foreign key, the table it references: its name if in schema public, "" if elsewhere
     *     (so outside the copy), null if unknown (recorded by an older version); null for the other kinds
     */
    record Deferred(String table, String name, Kind kind, String definition, String references) {
        Deferred(String table, String name, Kind kind, String definition) {
            this(table, name, kind, definition, null);
        }
    }

    private DeferredIndexes() {
    }

    /**
     * Records and drops the secondary indexes and constraints of {@code tables} (target names in schema
     * public), in one transaction. Definitions already recorded by a crashed run are kept.
     *
     * @return what was dropped now
     */
    static List<Deferred> defer(Connection tgt, Collection<String> tables) throws SQLException {
        ensureMetaTable(tgt);
        List<Deferred> found = find(tgt, tables);
        boolean auto = tgt.getAutoCommit();
        tgt.setAutoCommit(false);
        try (PreparedStatement record = tgt.prepareStatement("INSERT INTO " + META
                + " (table_name, name, kind, definition, referenced_table) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
             Statement st = tgt.createStatement()) {
            for (Deferred d : found) {
                record.setString(1, d.table());
                record.setString(2, d.name());
                record.setString(3, d.kind().name());
                record.setString(4, d.definition());
                record.setString(5, d.references());
                record.executeUpdate();
            }
            // Foreign keys first: a unique constraint cannot go while a key still references it.
            for (Deferred d : found.stream().sorted((a, b) -> b.kind().compareTo(a.kind())).toList()) {
                st.execute(d.kind() == Kind.INDEX ? "DROP INDEX " + d.name()
                        : "ALTER TABLE " + Sql.table(d.table()) + " DROP CONSTRAINT " + Sql.ident(d.name()));
            }
            tgt.commit();
            return found;
        } catch (SQLException | RuntimeException e) {
            tgt.rollback();
            throw e;
        } finally {
            tgt.setAutoCommit(auto);
        }
    }

    /**
     * Builds every recorded index and constraint that is missing, {@code parallelism} at a time, and forgets
     * each in the transaction that builds it. Idempotent.
     *
     * @return how many were built
     */
    static int restore(PgEndpoint target, int parallelism) throws SQLException {
        return restore(target, parallelism, CopyProgress.NONE);
    }

    static int restore(PgEndpoint target, int parallelism, CopyProgress progress) throws SQLException {
        List<Deferred> recorded;
        try (Connection c = target.connect()) {
            if (!metaTableExists(c)) {
                return 0;
            }
            recorded = recorded(c);
        }
        try (IndexBuilds builds = new IndexBuilds(target, parallelism, progress, recorded, List.of())) {
            return builds.finish();
        }
    }

    /**
     * The first half of a foreign key's rebuild, in a transaction of its own: the key added NOT VALID, which locks
     * both tables (SHARE ROW EXCLUSIVE) but checks nothing, so only for a moment. The check, by {@link #rebuild}, then
     * locks the referencing table alone against other checks and schema changes, and the referenced one against
     * nothing: two foreign keys that share a table are checked side by side. The row stays recorded until the
     * check commits, so a kill in between leaves it for the re-run, which checks it.
     *
     * @return whether it was missing
     */
    static boolean addNotValid(Connection c, Deferred d) throws SQLException {
        if (exists(c, d)) {
            return false;
        }
        try (Statement st = c.createStatement()) {
            st.execute(notValid(d));
            return true;
        } catch (SQLException e) {
            throw failed(d, e);
        }
    }

    /** Builds one, unless present already (a crash after the build's commit cannot happen: the row goes with it). */
    static boolean rebuild(Connection c, Deferred d) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            boolean missing = !exists(c, d);
            if (d.kind() == Kind.FOREIGN_KEY) {
                if (missing) {
                    st.execute(notValid(d));
                }
                validateOrKeepNotValid(c, st, d);
            } else if (missing) {
                st.execute(d.definition());
            }
            try (PreparedStatement del = c.prepareStatement("DELETE FROM " + META + " WHERE table_name = ? AND name = ?")) {
                del.setString(1, d.table());
                del.setString(2, d.name());
                del.executeUpdate();
            }
            c.commit();
            return missing;
        } catch (SQLException e) {
            c.rollback();
            throw failed(d, e);
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static SQLException failed(Deferred d, SQLException e) {
        return new SQLException("rebuilding " + d.kind().name().toLowerCase().replace('_', ' ') + " " + d.name() + " of table '"
                + d.table() + "' failed: " + e.getMessage(), e.getSQLState(), e);
    }

    /** The foreign key's definition, NOT VALID (which it already says if it was not valid when dropped). */
    private static String notValid(Deferred d) {
        return d.definition().endsWith(" NOT VALID") ? d.definition() : d.definition() + " NOT VALID";
    }

    /**
     * A foreign key the loaded rows violate (the source never enforced it, or a transform's filter dropped
     * parents) stays NOT VALID: enforced for new rows, as the load itself (replica role) did not check it,
     * rather than failing the whole upgrade at its very end. pg_constraint.convalidated tells. One that was not
     * valid before the load is not checked at all.
     */
    private static void validateOrKeepNotValid(Connection c, Statement st, Deferred d) throws SQLException {
        if (d.definition().endsWith(" NOT VALID") || validated(c, d)) {
            return;
        }
        st.execute("SAVEPOINT fk");
        try {
            st.execute("ALTER TABLE " + Sql.table(d.table()) + " VALIDATE CONSTRAINT " + Sql.ident(d.name()));
        } catch (SQLException e) {
            if (!PgErrors.foreignKeyViolation(e)) {
                throw e;
            }
            st.execute("ROLLBACK TO SAVEPOINT fk");
        }
    }

    private static boolean validated(Connection c, Deferred d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT convalidated FROM pg_constraint WHERE conrelid = to_regclass(?) AND conname = ?")) {
            ps.setString(1, Sql.table(d.table()));
            ps.setString(2, d.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean exists(Connection c, Deferred d) throws SQLException {
        String sql = d.kind() == Kind.INDEX ? "SELECT to_regclass(?) IS NOT NULL"
                : "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(?) AND conname = ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, d.kind() == Kind.INDEX ? d.name() : Sql.table(d.table()));
            if (d.kind() != Kind.INDEX) {
                ps.setString(2, d.name());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** What is still recorded, i.e. dropped and not yet rebuilt; biggest tables first, so the longest builds do not start last. */
    static List<Deferred> recorded(Connection c) throws SQLException {
        List<Deferred> out = new ArrayList<>();
        if (!metaTableExists(c)) {
            return out;
        }
        ensureMetaTable(c); // a table an older version created lacks referenced_table
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT table_name, name, kind, definition, referenced_table FROM " + META
                     + " ORDER BY coalesce(pg_relation_size(to_regclass('public.' || quote_ident(table_name))), 0) DESC, table_name, name")) {
            while (rs.next()) {
                out.add(new Deferred(rs.getString(1), rs.getString(2), Kind.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5)));
            }
        }
        return out;
    }

    private static void ensureMetaTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS imago_meta");
            st.execute("CREATE TABLE IF NOT EXISTS " + META + " (table_name text NOT NULL, name text NOT NULL, kind text NOT NULL, "
                    + "definition text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (table_name, name))");
            // Lets a foreign key be built as soon as the table it references is; rows an older version recorded lack it
            st.execute("ALTER TABLE " + META + " ADD COLUMN IF NOT EXISTS referenced_table text");
        }
    }

    private static boolean metaTableExists(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT to_regclass('" + META + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The droppable indexes and constraints of the tables, as they are now. */
    private static List<Deferred> find(Connection c, Collection<String> tables) throws SQLException {
        Array names = c.createArrayOf("text", tables.toArray());
        List<Deferred> out = new ArrayList<>();
        // Indexes that no constraint owns or references: conindid is a constraint's own index (primary key,
        // unique, exclusion) or, for a foreign key, the index of the key it references.
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT t.relname, quote_ident(n.nspname) || '.' || quote_ident(ic.relname), pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE n.nspname = 'public' AND t.relkind = 'r' AND t.relname = ANY(?) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY 1, 2""")) {
            ps.setArray(1, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Deferred(rs.getString(1), rs.getString(2), Kind.INDEX, rs.getString(3)));
                }
            }
        }
        // Keys (primary, unique, exclusion) go too, unless a foreign key that stays (one of another table)
        // references them: the foreign keys of these tables are dropped first and rebuilt last.
        try (PreparedStatement ps = c.prepareStatement("""
                WITH mine AS (
                  SELECT k.oid, k.conindid, k.contype, k.conname, k.confrelid, t.relname
                  FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                  WHERE n.nspname = 'public' AND t.relkind = 'r' AND t.relname = ANY(?) AND k.conislocal AND k.coninhcount = 0)
                SELECT m.relname, m.conname, m.contype, pg_get_constraintdef(m.oid),
                       (SELECT CASE WHEN rn.nspname = 'public' THEN r.relname ELSE '' END
                        FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = m.confrelid)
                FROM mine m
                WHERE m.contype = 'f' OR (m.contype IN ('p', 'u', 'x') AND NOT EXISTS (
                        SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = m.conindid
                          AND f.oid NOT IN (SELECT oid FROM mine WHERE contype = 'f')))
                ORDER BY 1, 2""")) {
            ps.setArray(1, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString(1);
                    String name = rs.getString(2);
                    Kind kind = rs.getString(3).equals("f") ? Kind.FOREIGN_KEY : Kind.CONSTRAINT;
                    out.add(new Deferred(table, name, kind,
                            "ALTER TABLE " + Sql.table(table) + " ADD CONSTRAINT " + Sql.ident(name) + " " + rs.getString(4),
                            kind == Kind.FOREIGN_KEY ? rs.getString(5) : null));
                }
            }
        }
        return out;
    }
}
