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
        FencedWriters.Stopped stopped = revokeAndStopWriters(c, appRole, maxWait);
        int terminated = stopped.terminated();
        List<Integer> writers = stopped.writers();
        List<String> warnings = new ArrayList<>();
        // A terminated backend may still be rolling back: its transaction is only surely gone with it.
        List<Integer> lingering = FencedWriters.waitForExit(c, writers);
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

    private static FencedWriters.Stopped revokeAndStopWriters(Connection c, String appRole, Duration maxWait) throws SQLException {
        c.setAutoCommit(false);
        try {
            revokeWithin(c, appRole);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
        return FencedWriters.stop(c, appRole, maxWait);
    }

    /**
     * The fence's privilege changes, in the caller's open transaction (committed by {@link #fence}, or by a
     * {@link LastingFence} inside a switch's pause): sent as one batch, one round trip.
     */
    static void revokeWithin(Connection inTransaction, String appRole) throws SQLException {
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

    static void checkRole(Connection c, String role) throws SQLException {
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
}
