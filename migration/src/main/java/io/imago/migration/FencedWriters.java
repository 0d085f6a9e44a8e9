package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sessions of a fenced role that could still commit a write once its privileges are revoked: waited for, then
 * terminated, then waited for until their backends are gone (a terminated backend may still be rolling back).
 */
final class FencedWriters {
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    /** @param writers the sessions that could still write when the fence was set, each then terminated */
    record Stopped(List<Integer> writers, int terminated) {}

    private FencedWriters() {
    }

    /**
     * Right after the revocation's commit: waits up to {@code maxWait} for the role's writers to finish, and terminates
     * those still there.
     */
    static Stopped stop(Connection c, String role, Duration maxWait) throws SQLException {
        List<Integer> writers = waitForWriters(c, role, maxWait);
        int terminated = 0;
        for (int pid : writers) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        terminated++;
                    }
                }
            }
        }
        return new Stopped(writers, terminated);
    }

    /**
     * Sessions of the role that could still commit a write: those holding an xid, and statements that started
     * before the revoke, except those still waiting for a table lock (a session fence's, typically) without
     * having written anything: tables are locked before a statement's privileges are checked, so such a
     * statement fails by itself once it gets its lock. Terminating it instead would cost {@code maxWait}
     * and a broken connection for nothing. Waits up to {@code maxWait} for them to finish; returns those still there.
     * Called right after the revoke's commit: the first look's own {@code now()} is the fence's time (a statement
     * starting after it sees the revoked privileges), and later looks keep it.
     */
    static List<Integer> waitForWriters(Connection c, String role, Duration maxWait) throws SQLException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        String fencedAt = null;
        while (true) {
            List<Integer> pids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.at::text, a.pid FROM (SELECT coalesce(?::timestamptz, now()) AS at) t
                    LEFT JOIN pg_stat_activity a ON a.usename = ? AND a.pid <> pg_backend_pid()
                      AND (a.backend_xid IS NOT NULL OR (a.state = 'active' AND a.query_start < t.at
                           AND NOT (a.wait_event_type = 'Lock' AND a.wait_event = 'relation')))""")) {
                ps.setString(1, fencedAt);
                ps.setString(2, role);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fencedAt = rs.getString(1);
                        int pid = rs.getInt(2);
                        if (!rs.wasNull()) {
                            pids.add(pid);
                        }
                    }
                }
            }
            if (pids.isEmpty() || System.nanoTime() >= deadline) {
                return pids;
            }
            sleep(POLL);
        }
    }

    static List<Integer> waitForExit(Connection c, List<Integer> pids) throws SQLException {
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        while (!pids.isEmpty()) {
            List<Integer> alive = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE pid = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("int4", pids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        alive.add(rs.getInt(1));
                    }
                }
            }
            if (alive.isEmpty() || System.nanoTime() >= deadline) {
                return alive;
            }
            pids = alive;
            sleep(POLL);
        }
        return pids;
    }

    private static void sleep(Duration d) throws SQLException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while fencing", e);
        }
    }
}
