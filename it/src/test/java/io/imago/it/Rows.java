package io.imago.it;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/** Small queries the end-to-end tests compare databases with. */
final class Rows {
    private Rows() {}

    /** {@code sql} selects (bigint key, text value): the rows by key, in key order. */
    static Map<Long, String> byKey(Connection c, String sql) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
        }
        return out;
    }

    /** {@code sql} selects one number. */
    static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
