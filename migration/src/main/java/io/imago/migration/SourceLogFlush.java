package io.imago.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Has a source flush its log up to now, so that a walsender can read (and a drain reach) a position taken just
 * before: a commit, made synchronous whatever the server's setting, of a logical message nobody subscribes to
 * (pgoutput sends messages only when asked for them). Nothing else flushes a log whose last records are an
 * asynchronous commit or a transaction still open until the WAL writer's next round, up to 200 ms later.
 */
final class SourceLogFlush {
    private SourceLogFlush() {
    }

    /**
     * One round trip on {@code c} (in autocommit, as it is left); {@code why} names the flush in the log. On failure
     * the transaction is rolled back before the error is thrown.
     */
    static void flush(Connection c, String why) throws SQLException {
        try (Statement st = c.createStatement()) {
            try {
                st.execute("BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_logical_emit_message(true, 'imago', " + Sql.literal(why)
                        + "); COMMIT");
            } catch (SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // a lost connection: the server rolls back with the session
                }
                throw e;
            }
        }
    }
}
