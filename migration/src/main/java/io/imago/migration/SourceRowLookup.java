package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a row's current values back from the source, for an update whose unchanged TOASTed values the log left out and
 * the target cannot supply. Opens its own connection on first use, with the session settings under which values read
 * as the walsender sends them; {@link #abort} pulls it from another thread when the source froze.
 */
final class SourceRowLookup implements AutoCloseable {
    private final PgEndpoint source;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();
    private volatile Connection connection;
    private volatile long count;

    SourceRowLookup(PgEndpoint source) {
        this.source = source;
    }

    /** How many rows were asked for (for tests and diagnostics). */
    long count() {
        return count;
    }

    /**
     * Fills {@code row}'s columns {@code cols} from the source row with this key.
     *
     * @param sql the table's {@link ShippedTable#sourceLookupSql} for these columns
     * @return false when the source no longer has the row
     */
    boolean fill(String sql, String[] key, String[] row, List<Integer> cols) throws SQLException {
        count++;
        return read(statement(sql), key, row, cols);
    }

    /** Runs a lookup by key and copies its values into {@code row}'s columns {@code cols}; false when no row matched. */
    static boolean read(PreparedStatement ps, String[] key, String[] row, List<Integer> cols) throws SQLException {
        for (int i = 0; i < key.length; i++) {
            ps.setString(i + 1, key[i]);
        }
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return false;
            }
            for (int i = 0; i < cols.size(); i++) {
                row[cols.get(i)] = rs.getString(i + 1);
            }
            return true;
        }
    }

    private PreparedStatement statement(String sql) throws SQLException {
        if (connection == null || connection.isClosed()) {
            prepared.clear();
            connection = source.connect();
            try (Statement st = connection.createStatement()) {
                // The same text forms the walsender sends.
                st.execute("SET DateStyle = ISO");
                st.execute("SET IntervalStyle = postgres");
                st.execute("SET extra_float_digits = 3");
                st.execute("SET bytea_output = hex");
            }
        }
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    /** Pulls the connection from under a lookup stuck on a frozen source. Any thread. */
    void abort() {
        Connection c = connection;
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // gone already
            }
        }
    }

    @Override
    public void close() {
        prepared.clear(); // closed with their connection
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
