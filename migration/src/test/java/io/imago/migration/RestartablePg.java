package io.imago.migration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own (logical decoding on) that can be stopped and started again on the
 * same port with the same data, or frozen (SIGSTOP), without disturbing the servers {@link PgServers}
 * shares between tests. Listens on 127.0.0.1 only.
 */
final class RestartablePg implements AutoCloseable {
    private final Path dir;
    private final int port;
    private EmbeddedPostgres pg;

    RestartablePg() {
        try {
            dir = Files.createTempDirectory("imago-restartable-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pg = boot(0);
        port = pg.getPort();
    }

    private EmbeddedPostgres boot(int onPort) {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_senders", "10");
            if (onPort > 0) {
                b.setPort(onPort);
            }
            return b.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    /** A new database on this server. */
    PgEndpoint database(String name) {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new PgEndpoint("127.0.0.1", port, name, "postgres", "");
    }

    /** Clean (fast) shutdown: sessions are terminated, the log and the slots are flushed. Returns once the server is gone. */
    synchronized void stop() throws InterruptedException {
        if (pg == null) {
            return;
        }
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pg = null;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Files.exists(dir.resolve("postmaster.pid"))) { // pg_ctl gives up waiting after 5 s; the server may take longer
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("server in " + dir + " did not stop within 60 s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Immediate shutdown (SIGQUIT to the postmaster), as a crash: what the log buffers held and no process had
     * written yet is lost, so are asynchronous commits not yet written. Returns once the server is gone.
     */
    synchronized void crash() throws IOException, InterruptedException {
        if (pg == null) {
            return;
        }
        long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
        Process p = new ProcessBuilder("kill", "-QUIT", Long.toString(postmaster)).redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kill -QUIT " + postmaster + ": " + new String(p.getInputStream().readAllBytes()));
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Files.exists(dir.resolve("postmaster.pid"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("server in " + dir + " did not exit within 60 s");
            }
            Thread.sleep(50);
        }
        try {
            pg.close(); // nothing left to stop: releases the data folder's lock for the next start
        } catch (IOException | RuntimeException ignored) {
            // pg_ctl found no server
        }
        pg = null;
    }

    /** Starts the stopped server again: same port, same data. */
    synchronized void start() {
        if (pg == null) {
            pg = boot(port);
        }
    }

    /** SIGSTOP (true) or SIGCONT (false) to the postmaster and every backend: a frozen server, connections open. */
    void freeze(boolean stop) throws IOException, InterruptedException {
        long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
        List<String> cmd = new ArrayList<>(List.of("kill", stop ? "-STOP" : "-CONT", Long.toString(postmaster)));
        ProcessHandle.of(postmaster).ifPresent(h -> h.children().forEach(c -> cmd.add(Long.toString(c.pid()))));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + ": " + new String(p.getInputStream().readAllBytes()));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
