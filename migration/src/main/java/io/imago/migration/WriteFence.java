package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the source database refuse the application's writes, at the database itself, so nothing the
 * application does (pools, retries, a forgotten instance) can slip a write past the switchover:
 * <ul>
 *   <li>its write privileges on the tables of schema public are revoked: checked at every statement,
 *       so open sessions lose them at once;</li>
 *   <li>its new sessions start read-only ({@code default_transaction_read_only});</li>
 *   <li>transactions that already wrote (they hold an xid, and a commit checks no privilege) or whose
 *       statement was already running get {@code maxWait} to finish, then are terminated.</li>
 * </ul>
 * The privileges revoked are recorded on the source in {@code imago.fenced_grants}, in the fence's own
 * transaction, so {@link #lift} restores exactly those (no more) even from another process after a crash.
 * The application role must own no tables and not be a superuser.
 */
public final class WriteFence {
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    private WriteFence() {
    }

    /** Idempotent: fencing a fenced role changes nothing and returns a fresh fence position. */
    public static FenceResult fence(PgEndpoint adminOfSource, String appRole, Duration maxWait) throws SQLException {
        if (adminOfSource.user().equals(appRole)) {
            throw new IllegalArgumentException("the fence must be set by another role than the application's ('" + appRole + "')");
        }
        try (Connection c = adminOfSource.connectBrief()) {
            return fence(c, appRole, maxWait);
        }
    }

    /**
     * {@link #fence(PgEndpoint, String, Duration)} on an owner's connection already open (in autocommit; left open),
     * so that the switch can put the lasting fence in place inside its pause without a new handshake.
     */
    public static FenceResult fence(Connection c, String appRole, Duration maxWait) throws SQLException {
        long start = System.nanoTime();
        checkRole(c, appRole);
        Stopped stopped = revokeAndStopWriters(c, appRole, maxWait, () -> { });
        int terminated = stopped.terminated();
        List<Integer> writers = stopped.writers();
        List<String> warnings = new ArrayList<>();
        // A terminated backend may still be rolling back: its transaction is only surely gone with it.
        List<Integer> lingering = waitForExit(c, writers);
        lingering.forEach(pid -> warnings.add("session " + pid + " of role '" + appRole + "' did not exit after termination"));
        warnings.addAll(remainingWriteAccess(c, appRole));

        // The insert position, not the flushed one: with asynchronous commit a commit record can be
        // inserted yet not flushed, and the drain must wait for it too.
        Lsn lsn;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            lsn = Lsn.parse(rs.getString(1));
        }
        return new FenceResult(lsn, Duration.ofNanos(System.nanoTime() - start), terminated, warnings);
    }

    /**
     * The lasting fence as a switch's write pause puts it: only what makes the role's writes impossible, in three
     * round trips when no write is in flight (the privileges revoked in one batch, its commit, one look at the role's
     * sessions). {@link #prepareFence} must have run before the pause; the fence position and the diagnostics
     * that {@link #fence} adds are left out, as the pause has its own position.
     */
    public static void fenceWithinPause(Connection c, String appRole, Duration maxWait) throws SQLException {
        fenceWithinPause(c, appRole, maxWait, () -> { });
    }

    /**
     * As {@link #fenceWithinPause(Connection, String, Duration)}, running {@code beforeCommit} between sending the
     * revocation and committing it: what must be true before the fence can stand (a failure there rolls it back)
     * waits alongside the revocation's round trip rather than before it.
     */
    public static void fenceWithinPause(Connection c, String appRole, Duration maxWait, Runnable beforeCommit) throws SQLException {
        // A terminated writer's transaction is only surely gone with its backend (no round trip when there was none).
        waitForExit(c, revokeAndStopWriters(c, appRole, maxWait, beforeCommit).writers());
    }

    /**
     * Before a pause, on the connection that will then run {@link #fenceWithinPause}: checks that {@code appRole} can be
     * fenced at all (it exists and is no superuser), creates the table the fence records grants in (creating it is
     * what made the fence cost 5 to 10 ms more inside the pause), and reads the role's grants once so that this
     * session's catalog caches are warm. Should no fence follow, {@link #lift} drops the table again when it is empty.
     */
    public static void prepareFence(Connection c, String appRole) throws SQLException {
        checkRole(c, appRole);
        try (Statement st = c.createStatement()) {
            st.execute(CREATE_GRANTS_TABLE);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM (" + grantsSql(Sql.literal(appRole)) + ") g")) {
                rs.next();
            }
        }
    }

    /** @param writers the sessions that could still write when the fence was set, each then terminated */
    private record Stopped(List<Integer> writers, int terminated) {}

    private static Stopped revokeAndStopWriters(Connection c, String appRole, Duration maxWait, Runnable beforeCommit) throws SQLException {
        c.setAutoCommit(false);
        try {
            revokeWithin(c, appRole);
            beforeCommit.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
        List<Integer> writers = waitForWriters(c, appRole, maxWait);
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
     * The fence's privilege changes, in the caller's open transaction (committed by {@link #fence}): sent as one batch,
     * one round trip, since the switch runs this inside its write pause.
     */
    private static void revokeWithin(Connection inTransaction, String appRole) throws SQLException {
        try (Statement st = inTransaction.createStatement()) {
            st.execute(CREATE_GRANTS_TABLE + recordGrantsSql(Sql.literal(appRole)) + ";\n"
                    + "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM " + Sql.ident(appRole) + ";\n"
                    + "ALTER ROLE " + Sql.ident(appRole) + " SET default_transaction_read_only = on");
        }
    }

    /** Restores the privileges the fence revoked and lets new sessions write again. Idempotent. */
    public static void lift(PgEndpoint adminOfSource, String appRole) throws SQLException {
        try (Connection c = adminOfSource.connectBrief()) {
            lift(c, appRole);
        }
    }

    /** {@link #lift(PgEndpoint, String)} on an owner's connection already open (in autocommit; left open). */
    public static void lift(Connection c, String appRole) throws SQLException {
        checkRole(c, appRole);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("ALTER ROLE " + Sql.ident(appRole) + " RESET default_transaction_read_only");
            if (grantsTableExists(c)) {
                for (String grant : recordedGrants(c, appRole)) {
                    st.execute(grant);
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM imago.fenced_grants WHERE role_name = ?")) {
                    ps.setString(1, appRole);
                    ps.executeUpdate();
                }
                dropGrantsTableIfEmpty(c);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static void checkRole(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("role '" + role + "' does not exist in the source database");
                }
                if (rs.getBoolean(1)) {
                    throw new IllegalArgumentException("role '" + role + "' is a superuser: no privilege can fence it; give the application its own role");
                }
            }
        }
    }

    private static final String CREATE_GRANTS_TABLE = """
            CREATE SCHEMA IF NOT EXISTS imago;
            CREATE TABLE IF NOT EXISTS imago.fenced_grants (
              role_name name, table_name name, column_name name, privilege text, grantable boolean,
              PRIMARY KEY (role_name, table_name, column_name, privilege));
            """;

    /** Table- and column-level write grants the role holds directly, kept unless an earlier fence already kept them. */
    private static String recordGrantsSql(String roleLiteral) {
        return "INSERT INTO imago.fenced_grants (role_name, table_name, column_name, privilege, grantable)\n" + grantsSql(roleLiteral)
                + "\nON CONFLICT DO NOTHING";
    }

    /** Table- and column-level write grants the role holds directly. */
    private static String grantsSql(String roleLiteral) {
        return """
                SELECT r.rolname, c.relname, '', a.privilege_type, a.is_grantable
                FROM pg_roles r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
                WHERE r.rolname = %1$s AND n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'f') AND a.grantee = r.oid
                  AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
                UNION ALL
                SELECT r.rolname, c.relname, t.attname, a.privilege_type, a.is_grantable
                FROM pg_roles r, pg_attribute t JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
                     aclexplode(t.attacl) a
                WHERE r.rolname = %1$s AND n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'f') AND t.attnum > 0
                  AND NOT t.attisdropped AND a.grantee = r.oid AND a.privilege_type IN ('INSERT', 'UPDATE')""".formatted(roleLiteral);
    }

    private static List<String> recordedGrants(Connection c, String role) throws SQLException {
        List<String> grants = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT table_name, column_name, privilege, grantable FROM imago.fenced_grants
                WHERE role_name = ? AND to_regclass(quote_ident('public') || '.' || quote_ident(table_name)) IS NOT NULL
                ORDER BY table_name, column_name, privilege""")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = rs.getString(2);
                    grants.add("GRANT " + rs.getString(3) + (column.isEmpty() ? "" : " (" + Sql.ident(column) + ")")
                            + " ON " + Sql.table(rs.getString(1)) + " TO " + Sql.ident(role) + (rs.getBoolean(4) ? " WITH GRANT OPTION" : ""));
                }
            }
        }
        return grants;
    }

    private static boolean grantsTableExists(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT to_regclass('imago.fenced_grants') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Leaves the source as it was once no fence is recorded any more. */
    private static void dropGrantsTableIfEmpty(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM imago.fenced_grants)")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
            st.execute("DROP TABLE imago.fenced_grants");
            try (ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'imago'::regnamespace)")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    st.execute("DROP SCHEMA imago");
                }
            }
        }
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
    private static List<Integer> waitForWriters(Connection c, String role, Duration maxWait) throws SQLException {
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

    private static List<Integer> waitForExit(Connection c, List<Integer> pids) throws SQLException {
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

    /** Write access the revocation could not take away: through PUBLIC, a group role, or another grantor. */
    private static List<String> remainingWriteAccess(Connection c, String role) throws SQLException {
        List<String> warnings = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                  AND (has_table_privilege(?, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
                       OR has_any_column_privilege(?, c.oid, 'INSERT, UPDATE'))
                ORDER BY 1""")) {
            ps.setString(1, role);
            ps.setString(2, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    warnings.add("role '" + role + "' can still write to table '" + rs.getString(1)
                            + "' (as its owner, through PUBLIC or a role it belongs to): revoke that too");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT gid FROM pg_prepared_xacts WHERE owner = ? AND database = current_database()")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    warnings.add("prepared transaction '" + rs.getString(1) + "' of role '" + role + "' can still be committed");
                }
            }
        }
        return warnings;
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
