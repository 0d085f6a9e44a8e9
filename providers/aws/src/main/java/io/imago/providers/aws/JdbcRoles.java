package io.imago.providers.aws;

import io.imago.providers.spi.ProviderException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;

/**
 * The roles of an RDS database, over JDBC as its master user (like the local provider's bootstrap): the application's
 * role gets DML through default privileges, so the switch's write fence can revoke it; the reader reads every table and
 * streams changes. RDS has no superuser, so the reader's replication right is the {@code rds_replication} role, not
 * the REPLICATION attribute. Connections use TLS ({@code sslmode=require}) and bounded timeouts; a server that does
 * not accept connections yet is retried for up to {@link #WAIT}.
 */
final class JdbcRoles implements DatabaseRoles {
    /** Not yet reachable (DNS, connection refused, starting up): worth waiting for, up to a point. */
    private static final Set<String> NOT_YET = Set.of("08001", "08004", "08006", "57P03");
    private static final Set<String> EXISTS = Set.of("42710", "42P04", "23505");
    static final Duration WAIT = Duration.ofMinutes(2);

    @Override
    public void prepare(String host, int port, DbSecret s) {
        String url = "jdbc:postgresql://" + host + ":" + port + "/" + s.dbname();
        try (Connection c = connect(url, s); Statement st = c.createStatement()) {
            createRole(st, s.appUsername(), s.appPassword(), "");
            st.execute("ALTER ROLE " + s.appUsername() + " LOGIN PASSWORD '" + s.appPassword() + "'");
            createRole(st, s.readerUsername(), s.readerPassword(), " NOCREATEDB NOCREATEROLE");
            st.execute("ALTER ROLE " + s.readerUsername() + " LOGIN PASSWORD '" + s.readerPassword() + "'");
            st.execute("GRANT rds_replication TO " + s.readerUsername());
            st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            st.execute("GRANT USAGE ON SCHEMA public TO " + s.appUsername() + ", " + s.readerUsername());
            st.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + s.username() + " IN SCHEMA public "
                    + "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON TABLES TO " + s.appUsername());
            st.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + s.username() + " IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "
                    + s.appUsername());
            st.execute("GRANT CONNECT ON DATABASE " + s.dbname() + " TO " + s.readerUsername());
            st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + s.readerUsername());
            st.execute("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + s.readerUsername());
            st.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + s.username() + " IN SCHEMA public GRANT SELECT ON TABLES TO " + s.readerUsername());
            st.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + s.username() + " IN SCHEMA public GRANT SELECT ON SEQUENCES TO " + s.readerUsername());
        } catch (SQLException e) {
            throw new ProviderException("cannot prepare the roles of the database at " + host + ":" + port + ": " + e.getMessage());
        }
    }

    private static void createRole(Statement st, String role, String password, String options) throws SQLException {
        try {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE " + role
                    + " LOGIN" + options + " PASSWORD '" + password + "'; END IF; END $$");
        } catch (SQLException e) {
            if (!EXISTS.contains(e.getSQLState())) {
                throw e;
            }
        }
    }

    private static Connection connect(String url, DbSecret s) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", s.username());
        p.setProperty("password", s.password());
        p.setProperty("sslmode", "require");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("loginTimeout", "20");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return DriverManager.getConnection(url, p);
            } catch (SQLException e) {
                if (!NOT_YET.contains(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
