package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: run SQL, read results as lists of strings. */
final class Db {
    private Db() {
    }

    static void exec(PgEndpoint e, String... sql) {
        try (Connection c = e.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Rows as "a|b|c" strings. */
    static List<String> rows(PgEndpoint e, String sql) {
        try (Connection c = e.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    b.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(b.toString());
            }
            return out;
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static long count(PgEndpoint e, String sql) {
        return Long.parseLong(rows(e, sql).get(0));
    }

    static List<TableMigration> plan(PgServers.Pair p, List<String> tables, List<TableTransform> transforms) {
        try (Connection s = p.source().connect(); Connection t = p.target().connect()) {
            return MigrationPlanner.resolve(s, t, tables, transforms);
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
