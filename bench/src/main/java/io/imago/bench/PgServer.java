package io.imago.bench;

import io.imago.migration.PgEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A throw-away PostgreSQL server in a temp folder, on loopback only, trusting local connections as user
 * {@code postgres}. Run as root, its binaries run as the {@code postgres} OS user (PostgreSQL refuses root).
 */
final class PgServer implements AutoCloseable {
    static final Path BIN = Path.of(System.getenv().getOrDefault("PG_BIN", "/usr/lib/postgresql/15/bin"));
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    final String name;
    final Path dir;
    final int port;
    private boolean running;

    private PgServer(String name, Path dir, int port) {
        this.name = name;
        this.dir = dir;
        this.port = port;
    }

    /** The same settings for every server, so every contender runs on equal terms. */
    static PgServer start(String name, Path parent, Map<String, String> settings) throws IOException, InterruptedException {
        Path dir = parent.resolve(name);
        Files.createDirectories(dir);
        PgServer s = new PgServer(name, dir, freePort());
        if (ROOT) {
            Proc.run(List.of("chown", "-R", "postgres:postgres", parent.toString()));
        }
        s.pg(BIN.resolve("initdb").toString(), "-D", s.data().toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync");
        StringBuilder conf = new StringBuilder("\n# imago bench\nlisten_addresses = '127.0.0.1'\nport = " + s.port
                + "\nunix_socket_directories = '" + dir + "'\n");
        settings.forEach((k, v) -> conf.append(k).append(" = '").append(v).append("'\n"));
        Files.writeString(s.data().resolve("postgresql.conf"), conf.toString(), java.nio.file.StandardOpenOption.APPEND);
        s.running = true; // from here on, close() must try to stop it
        s.pg(BIN.resolve("pg_ctl").toString(), "-D", s.data().toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "120", "start");
        return s;
    }

    Path data() {
        return dir.resolve("data");
    }

    PgEndpoint endpoint(String database) {
        return new PgEndpoint("127.0.0.1", port, database, "postgres", null);
    }

    /** libpq connection options for the command-line tools. */
    List<String> cli(String database) {
        return List.of("-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-d", database);
    }

    void createDatabase(String db) throws SQLException {
        exec("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", "CREATE DATABASE " + db);
    }

    void dropDatabase(String db) throws SQLException {
        exec("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }

    void exec(String db, String... sql) throws SQLException {
        try (Connection c = endpoint(db).connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private void pg(String... cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(cmd));
        Proc.run(full);
    }

    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        try {
            pg(BIN.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop");
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop server " + name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
