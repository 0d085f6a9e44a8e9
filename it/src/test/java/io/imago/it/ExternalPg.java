package io.imago.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A plain PostgreSQL server that imago does not own ({@code database.external}), started by the test: on 127.0.0.1,
 * every role but the test's own superuser authenticated by scram-sha-256, as a self-managed server would be.
 */
final class ExternalPg implements AutoCloseable {
    private final EmbeddedPostgres pg;

    ExternalPg(String walLevel) {
        try {
            pg = EmbeddedPostgres.builder()
                    .setPgBinaryResolver(ExternalPg::binaries)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("wal_level", walLevel)
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .start();
            Path hba = Path.of(query("SHOW hba_file"));
            Files.writeString(hba, """
                    # the test's own superuser; everyone else logs in with a password
                    host all postgres 127.0.0.1/32 trust
                    host all postgres ::1/128 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    """);
            sql("postgres", "SELECT pg_reload_conf()");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The binaries the first jar on the class path holds. In a reactor build the CLI's jar is on the test class path,
     * and its manifest names the jars of its lib/ folder, the same binaries jar among them: zonky's default resolver
     * refuses two copies of one resource.
     */
    private static java.io.InputStream binaries(String system, String machine) throws IOException {
        String arch = machine.equals("amd64") ? "x86_64" : machine;
        java.net.URL first = ExternalPg.class.getClassLoader().getResource(
                "postgres-" + system.toLowerCase(java.util.Locale.ROOT) + "-" + arch + ".txz");
        if (first == null) {
            return io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machine);
        }
        return first.openStream();
    }

    int port() {
        return pg.getPort();
    }

    String url(String db) {
        return "postgresql://127.0.0.1:" + port() + "/" + db;
    }

    /** As the superuser, on a database of this server. */
    Connection superuser(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/" + db, "postgres", "");
    }

    /** As a role with its password, the way imago and the application log in. */
    Connection as(String db, String user, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/" + db, user, password);
    }

    void sql(String db, String... statements) {
        try (Connection c = superuser(db); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String query(String sql) {
        try (Connection c = superuser("postgres"); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the server still answers. */
    boolean running() {
        try (Connection c = superuser("postgres")) {
            return c.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
