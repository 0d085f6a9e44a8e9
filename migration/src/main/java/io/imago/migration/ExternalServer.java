package io.imago.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.postgresql.PGConnection;

/**
 * What Imago does on a PostgreSQL server it does not own ({@code database.external}), besides the schema, the copy
 * and its own slot and publication: it looks (wal_level, version, the admin's attributes, the tables there) and
 * manages the roles it creates itself, the application's and a reader. Every call is a short connection as the
 * admin with short timeouts.
 *
 * <p>Passwords are set as SCRAM verifiers computed here ({@link PGConnection#alterUserPassword}), so the server, its
 * statement log and its error log never see one in clear.
 */
public final class ExternalServer {
    /** insufficient_privilege. */
    private static final String NO_PRIVILEGE = "42501";
    /** dependent_objects_still_exist: a role that still owns or is granted something. */
    private static final String DEPENDENTS = "2BP01";

    private ExternalServer() {
    }

    /**
     * What the pre-flight checks and {@code create} need to know.
     *
     * @param publicTables the tables of schema public, whoever made them
     * @param applied the markers of the SQL files Imago applied there ({@code imago_meta.applied}); empty if none
     */
    public record Facts(String walLevel, int major, boolean superuser, boolean createRole, boolean replication,
            List<String> publicTables, Set<String> applied) {
        public boolean logical() {
            return "logical".equals(walLevel);
        }
    }

    public static Facts facts(PgEndpoint admin) throws SQLException {
        try (Connection c = admin.connectBrief(); Statement st = c.createStatement()) {
            String wal;
            int major;
            boolean superuser;
            boolean createRole;
            boolean replication;
            try (ResultSet rs = st.executeQuery("SELECT current_setting('wal_level'), current_setting('server_version_num')::int / 10000, "
                    + "r.rolsuper, r.rolcreaterole, r.rolreplication FROM pg_roles r WHERE r.rolname = current_user")) {
                rs.next();
                wal = rs.getString(1);
                major = rs.getInt(2);
                superuser = rs.getBoolean(3);
                createRole = rs.getBoolean(4);
                replication = rs.getBoolean(5);
            }
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            Set<String> applied = new TreeSet<>();
            boolean hasMarkers;
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('imago_meta.applied') IS NOT NULL")) {
                rs.next();
                hasMarkers = rs.getBoolean(1);
            }
            if (hasMarkers) {
                try (ResultSet rs = st.executeQuery("SELECT marker FROM imago_meta.applied")) {
                    while (rs.next()) {
                        applied.add(rs.getString(1));
                    }
                }
            }
            return new Facts(wal, major, superuser, createRole, replication, List.copyOf(tables), applied);
        }
    }

    public static boolean roleExists(PgEndpoint admin, String role) throws SQLException {
        try (Connection c = admin.connectBrief(); PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Creates a role that can log in and do nothing else, unless it exists, and (re)sets its password. Idempotent:
     * a run killed half-way is finished by the next.
     */
    public static void ensureLoginRole(PgEndpoint admin, String role, String password) throws SQLException {
        try (Connection c = admin.connectBrief()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                if (!exists(c, role)) {
                    st.execute("CREATE ROLE " + Sql.ident(role) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION");
                }
                st.execute("ALTER ROLE " + Sql.ident(role) + " LOGIN");
                setPassword(c, role, password);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Gives the application's role DML on every table and sequence of schema public, those there now and those
     * the admin creates later (the schema Imago applies): what the write fence revokes and lifts.
     */
    public static void grantDml(PgEndpoint admin, String role) throws SQLException {
        String r = Sql.ident(role);
        try (Connection c = admin.connectBrief()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // Everyone has USAGE on public unless the owner revoked it; only its owner may grant it.
                tolerate(c, "GRANT USAGE ON SCHEMA public TO " + r);
                st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + r);
                st.execute("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO " + r);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Creates (or completes) a role that reads the database as a source and writes nothing: {@code LOGIN REPLICATION},
     * {@code SELECT} on every table and sequence of schema public, now and later. All or nothing, in one transaction.
     *
     * @return empty when the reader is ready; else why the admin could not make it (then nothing of it is left), and
     *     the caller reads with the admin's role instead
     */
    public static Optional<String> ensureReader(PgEndpoint admin, String role, String password) throws SQLException {
        String r = Sql.ident(role);
        try (Connection c = admin.connectBrief()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                if (!exists(c, role)) {
                    st.execute("CREATE ROLE " + r + " LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE");
                }
                st.execute("ALTER ROLE " + r + " LOGIN REPLICATION");
                setPassword(c, role, password);
                tolerate(c, "GRANT USAGE ON SCHEMA public TO " + r);
                st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + r);
                st.execute("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO " + r);
                // GRANT ... ON ALL TABLES only warns about tables the admin may not grant on: a reader that cannot read them all is no use.
                List<String> unreadable = unreadable(c, role);
                if (!unreadable.isEmpty()) {
                    c.rollback();
                    return Optional.of("it may not grant SELECT on " + String.join(", ", unreadable));
                }
                c.commit();
                return Optional.empty();
            } catch (SQLException e) {
                c.rollback();
                if (NO_PRIVILEGE.equals(e.getSQLState())) {
                    return Optional.of(e.getMessage());
                }
                throw e;
            }
        }
    }

    /**
     * Drops a role Imago created, after revoking what it was granted in this database. All or nothing: a role that
     * still owns something, or is granted something in another database, stays as it was.
     *
     * @return empty when the role is gone (or was already); else why it stays
     */
    public static Optional<String> dropRole(PgEndpoint admin, String role) throws SQLException {
        String r = Sql.ident(role);
        try (Connection c = admin.connectBrief()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                if (!exists(c, role)) {
                    c.rollback();
                    return Optional.empty();
                }
                st.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM " + r);
                st.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM " + r);
                tolerate(c, "REVOKE ALL ON SCHEMA public FROM " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM " + r);
                tolerate(c, "DELETE FROM imago.fenced_grants WHERE role_name = " + Sql.literal(role));
                st.execute("DROP ROLE " + r);
                c.commit();
                return Optional.empty();
            } catch (SQLException e) {
                c.rollback();
                if (DEPENDENTS.equals(e.getSQLState()) || NO_PRIVILEGE.equals(e.getSQLState())) {
                    return Optional.of(e.getMessage());
                }
                throw e;
            }
        }
    }

    private static boolean exists(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void setPassword(Connection c, String role, String password) throws SQLException {
        c.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
    }

    private static List<String> unreadable(Connection c, String role) throws SQLException {
        List<String> out = new ArrayList<>();
        // By oid: a name built from pg_tables may be evaluated for rows of other schemas before the filter drops them.
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT has_table_privilege(?, c.oid, 'SELECT') ORDER BY 1")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** A statement whose failure (a privilege the admin lacks, a table not there) changes nothing else. */
    private static void tolerate(Connection c, String sql) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            c.releaseSavepoint(sp);
        } catch (SQLException e) {
            c.rollback(sp);
        }
    }
}
