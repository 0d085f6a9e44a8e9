package io.imago.migration;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/** Where a PostgreSQL database is and who to log in as. The password never appears in {@link #toString()}. */
public record PgEndpoint(String host, int port, String database, String user, String password) {

    public PgEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public String jdbcUrl() {
        // An IPv6 literal needs brackets in a URL; the database name is URL-decoded by the driver.
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    /** A plain connection (autocommit on). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), baseProperties());
    }

    /**
     * A walsender connection that accepts replication commands such as CREATE_REPLICATION_SLOT.
     * The replication protocol only speaks the simple query protocol, and the version floor spares
     * the driver the start-up queries a walsender would not answer.
     */
    public Connection connectReplication() throws SQLException {
        Properties p = baseProperties();
        p.setProperty("replication", "database");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "10");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    private Properties baseProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        // Names our sessions in pg_stat_activity, so operators (and the write fence) can tell them apart.
        p.setProperty("ApplicationName", "imago-migration");
        return p;
    }

    @Override
    public String toString() {
        return "PgEndpoint[host=" + host + ", port=" + port + ", database=" + database + ", user=" + user
                + ", password=" + (password == null || password.isEmpty() ? "(none)" : "***") + "]";
    }
}
