package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
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
        String list = tables.stream()
                .map(m -> (m.sourceIsPartitioned() ? "" : "ONLY ") + Sql.table(m.sourceTable()))
                .collect(Collectors.joining(", "));
        // Changes to a partition are then published under the partitioned table's name, the one the plan knows.
        boolean viaRoot = c.getMetaData().getDatabaseMajorVersion() >= 13;
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
}
