package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The source-side publication naming the tables whose changes the slot decodes. */
final class Publications {
    private Publications() {
    }

    /**
     * Makes the publication exist and cover exactly these tables; on a re-run with another plan it is
     * redefined rather than left stale. Must run before the slot is created: the decoder looks the
     * publication up as of each change's position.
     */
    static void ensure(Connection c, String name, List<TableMigration> tables) throws SQLException {
        // Changes to a partition are then published under the partitioned table's name, the one the plan knows.
        boolean viaRoot = c.getMetaData().getDatabaseMajorVersion() >= 13;
        // Already right: change nothing, and so take no lock (a write fence may hold the tables by now).
        if (matches(c, name, tables, viaRoot)) {
            return;
        }
        String list = tables.stream()
                .map(m -> (m.sourceIsPartitioned() ? "" : "ONLY ") + Sql.table(m.sourceTable()))
                .collect(Collectors.joining(", "));
        try (Statement st = c.createStatement()) {
            if (exists(c, name)) {
                st.execute("ALTER PUBLICATION " + Sql.ident(name) + " SET TABLE " + list);
                if (viaRoot) {
                    st.execute("ALTER PUBLICATION " + Sql.ident(name) + " SET (publish_via_partition_root = true)");
                }
            } else {
                st.execute("CREATE PUBLICATION " + Sql.ident(name) + " FOR TABLE " + list
                        + (viaRoot ? " WITH (publish_via_partition_root = true)" : ""));
            }
        }
    }

    static void dropIfExists(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP PUBLICATION IF EXISTS " + Sql.ident(name));
        }
    }

    static boolean exists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static boolean matches(Connection c, String name, List<TableMigration> tables, boolean viaRoot) throws SQLException {
        if (!exists(c, name)) {
            return false;
        }
        Set<String> published = new HashSet<>();
        String sql = "SELECT n.nspname, cl.relname, p.puballtables, " + (viaRoot ? "p.pubviaroot" : "true")
                + " FROM pg_publication p LEFT JOIN pg_publication_rel r ON r.prpubid = p.oid"
                + " LEFT JOIN pg_class cl ON cl.oid = r.prrelid LEFT JOIN pg_namespace n ON n.oid = cl.relnamespace"
                + " WHERE p.pubname = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(3) || !rs.getBoolean(4)) {
                        return false;
                    }
                    if (rs.getString(2) != null) {
                        published.add(("public".equals(rs.getString(1)) ? "" : rs.getString(1) + ".") + rs.getString(2));
                    }
                }
            }
        }
        return published.equals(tables.stream().map(TableMigration::sourceTable).collect(Collectors.toSet()));
    }
}
