package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A write fence tied to one session of imago's: the migrated tables are locked in EXCLUSIVE mode
 * (reads go on; INSERT, UPDATE, DELETE and SELECT FOR UPDATE wait), held until {@link #release()}.
 * Writers are held, not failed, and if imago dies the server drops the session and its lock, so a
 * crash can never leave production fenced. For a fence that must outlive imago (a retired
 * universe), see {@link WriteFence}.
 */
public final class SessionFence implements AutoCloseable {
    private final Connection conn;
    private final String position;
    private final Map<String, Long> sequenceValues;
    private final Instant acquired;

    private SessionFence(Connection conn, String position, Map<String, Long> sequenceValues, Instant acquired) {
        this.conn = conn;
        this.position = position;
        this.sequenceValues = sequenceValues;
        this.acquired = acquired;
    }

    /**
     * Takes the locks, waiting at most {@code drainTimeout} for in-flight writers to finish.
     *
     * @throws SQLException with SQLState 55P03 when the in-flight writers did not finish in time
     */
    public static SessionFence acquire(PgEndpoint admin, List<String> tables, Duration drainTimeout) throws SQLException {
        return acquire(admin.connect(), tables, drainTimeout);
    }

    /**
     * The same on a connection opened beforehand (an owner's, in autocommit), so that opening it does not count
     * in the write pause. The fence owns the connection from then on, and closes it on release or failure.
     */
    public static SessionFence acquire(Connection c, List<String> tables, Duration drainTimeout) throws SQLException {
        return acquire(c, tables, List.of(), drainTimeout);
    }

    /**
     * As {@link #acquire(Connection, List, Duration)}, reading also the values the given sequences last handed out
     * ({@link #sequenceValues}): with the tables locked, no insert can take one more. All of it in one round trip, as
     * a switch takes the fence inside its write pause.
     *
     * @param sequences sequence names as {@code regclass} prints them
     */
    public static SessionFence acquire(Connection c, List<String> tables, List<String> sequences, Duration drainTimeout) throws SQLException {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        try {
            c.setAutoCommit(false);
            while (true) {
                try (Statement s = c.createStatement()) {
                    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    try (ResultSet rs = lastResult(s, statements(tables, "EXCLUSIVE", sequences, left))) {
                        rs.next();
                        Map<String, Long> values = new HashMap<>();
                        for (int i = 0; i < sequences.size(); i++) {
                            long v = rs.getLong(i + 2);
                            values.put(sequences.get(i), rs.wasNull() ? null : v);
                        }
                        return new SessionFence(c, rs.getString(1), Collections.unmodifiableMap(values), Instant.now());
                    }
                } catch (SQLException e) {
                    // The tables are locked one after the other, and a writer may hold one while it waits for another
                    // (an insert into a child table checks its parent): the server then breaks the deadlock by failing
                    // one side. If that is the fence, its locks are gone and it simply tries again, while time is left.
                    if (!PgErrors.deadlock(e) || System.nanoTime() >= deadline) {
                        throw e;
                    }
                    c.rollback();
                }
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Before a pause, on the connection {@link #acquire(Connection, List, List, Duration)} will then use: runs the fence's
     * statements once with the weakest lock (ACCESS SHARE: no writer waits for it) and rolls back, so that this session
     * has read the tables' and sequences' catalog entries before the pause rather than inside it. A fresh session's
     * first fence cost 4–9 ms inside the pause, where the statements themselves take under 1 ms.
     */
    public static void warm(Connection c, List<String> tables, List<String> sequences) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = lastResult(s, "BEGIN; " + statements(tables, "ACCESS SHARE", sequences, 1000) + "; ROLLBACK")) {
                rs.next();
            }
        }
    }

    /** The fence in one batch: its settings, the locks (in {@code lockMode}), then the log position and the sequences' values. */
    private static String statements(List<String> tables, String lockMode, List<String> sequences, long lockTimeoutMillis) {
        // The connection may cap statements shorter than the drain timeout: the lock timeout is the one that counts here.
        StringBuilder sql = new StringBuilder("SET LOCAL lock_timeout = " + lockTimeoutMillis + "; SET LOCAL statement_timeout = 0; "
                + "SET LOCAL application_name = 'imago write fence'; ");
        if (!tables.isEmpty()) {
            sql.append("LOCK TABLE ").append(tables.stream().map(Sql::table).collect(Collectors.joining(", "))).append(" IN ").append(lockMode).append(" MODE; ");
        }
        sql.append("SELECT pg_current_wal_insert_lsn()::text");
        for (String seq : sequences) {
            sql.append(", (SELECT CASE WHEN is_called THEN last_value END FROM ").append(seq).append(")");
        }
        return sql.toString();
    }

    /** The result set the last statement of {@code sql} answers, the statements before it answering none. */
    private static ResultSet lastResult(Statement s, String sql) throws SQLException {
        boolean isResultSet = s.execute(sql);
        while (!isResultSet) {
            if (s.getUpdateCount() == -1) {
                throw new SQLException("the fence's query answered no rows");
            }
            isResultSet = s.getMoreResults();
        }
        return s.getResultSet();
    }

    /**
     * What each sequence passed to {@link #acquire(Connection, List, List, Duration)} had last handed out when the fence
     * closed, by name; null for one never used.
     */
    public Map<String, Long> sequenceValues() {
        return sequenceValues;
    }

    /** The source's log insert position when the fence closed: every write before it is committed (insert, not write, position: asynchronous commits may lie past the latter). */
    public String position() {
        return position;
    }

    public Instant acquiredAt() {
        return acquired;
    }

    /**
     * Lets the held writers go on. Idempotent, and never waits for the server: closing the session (rather than
     * rolling back and waiting for the answer) ends its transaction and its locks just as surely, and costs nothing
     * when the server has stopped answering after the flip.
     */
    public void release() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // the session is gone, and its locks with it
        }
    }

    @Override
    public void close() {
        release();
    }
}
