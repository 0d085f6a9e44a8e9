package io.imago.providers.local;

import io.imago.providers.spi.DatabaseCredentials;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;

/**
 * Creates the application's role and database and its privileges. Every step may be repeated, and
 * may meet a half-done earlier run (killed, or still finishing server-side), so each one either
 * checks first, tolerates "already exists", or simply states the wanted end result again.
 */
final class PgBootstrap {
    /** Server still starting, or not listening yet: worth waiting for, up to a point. */
    private static final Set<String> NOT_YET = Set.of("08001", "08004", "08006", "57P03");
    /** duplicate_object, duplicate_database, unique_violation (two creates racing in the catalog). */
    private static final Set<String> EXISTS = Set.of("42710", "42P04", "23505");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private PgBootstrap() {}

    static void run(String universe, String host, String port, String rootCert, Secrets secrets) {
        String adminPw = secrets.get(LocalDatabases.ADMIN);
        String appPw = secrets.get(LocalDatabases.APP);
        int p = Integer.parseInt(port);
        try (Connection c = connect(new DatabaseCredentials(host, p, "postgres", LocalDatabases.ADMIN, adminPw, rootCert)); Statement s = c.createStatement()) {
            tolerateExisting(s, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + LocalDatabases.APP + "') THEN "
                    + "CREATE ROLE " + LocalDatabases.APP + " LOGIN PASSWORD '" + appPw + "'; END IF; END $$");
            // Says the stored password again: whatever an earlier run got to, the role ends up with it.
            s.execute("ALTER ROLE " + LocalDatabases.APP + " LOGIN PASSWORD '" + appPw + "'");
            var readerPw = secrets.find(LocalDatabases.READER);
            if (readerPw.isPresent()) {
                String reader = LocalDatabases.READER;
                tolerateExisting(s, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + reader + "') THEN "
                        + "CREATE ROLE " + reader + " LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + readerPw.get()
                        + "'; END IF; END $$");
                s.execute("ALTER ROLE " + reader + " LOGIN REPLICATION NOSUPERUSER PASSWORD '" + readerPw.get() + "'");
            }
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + LocalDatabases.DBNAME + "'");
            if (!rs.next()) {
                tolerateExisting(s, "CREATE DATABASE " + LocalDatabases.DBNAME + " OWNER " + LocalDatabases.ADMIN);
            }
        } catch (SQLException e) {
            throw new LocalProviderException("cannot prepare the database of " + universe + ": " + e.getMessage());
        }
        try (Connection c = connect(new DatabaseCredentials(host, p, LocalDatabases.DBNAME, LocalDatabases.ADMIN, adminPw, rootCert)); Statement s = c.createStatement()) {
            String admin = LocalDatabases.ADMIN;
            String app = LocalDatabases.APP;
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT USAGE ON SCHEMA public TO " + app);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + admin + " IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON TABLES TO " + app);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + admin + " IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO " + app);
            if (secrets.find(LocalDatabases.READER).isPresent()) {
                // Reads every table and sequence there is or will be (the copy, shipping's look-ups, the checks); writes none.
                String reader = LocalDatabases.READER;
                s.execute("GRANT CONNECT ON DATABASE " + LocalDatabases.DBNAME + " TO " + reader);
                s.execute("GRANT USAGE ON SCHEMA public TO " + reader);
                s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + reader);
                s.execute("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + reader);
                s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + admin + " IN SCHEMA public GRANT SELECT ON TABLES TO " + reader);
                s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + admin + " IN SCHEMA public GRANT SELECT ON SEQUENCES TO " + reader);
            }
        } catch (SQLException e) {
            throw new LocalProviderException("cannot prepare the database of " + universe + ": " + e.getMessage());
        }
    }

    private static void tolerateExisting(Statement s, String sql) throws SQLException {
        try {
            s.execute(sql);
        } catch (SQLException e) {
            if (!EXISTS.contains(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** A server a killed run left starting up (or recovering) accepts connections a moment later. */
    private static Connection connect(DatabaseCredentials c) throws SQLException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password());
            } catch (SQLException e) {
                if (!NOT_YET.contains(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw e;
                }
                Processes.sleep(200);
            }
        }
    }
}
