package io.imago.migration;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a PostgreSQL database is and who to log in as. The password never appears in {@link #toString()}.
 *
 * @param sslRootCert the certificate the server must present (PEM file), or null: with it, every connection is TLS
 *     checked against it and the login is bound to the channel, so an impostor on the port learns nothing
 */
public record PgEndpoint(String host, int port, String database, String user, String password, String sslRootCert) {

    public PgEndpoint(String host, int port, String database, String user, String password) {
        this(host, port, database, user, password, null);
    }

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

    /** How long a server that accepts a TCP connection but never answers the start-up (frozen, overloaded) may take. */
    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(15);
    /** A read on a connection doing long work (a copy, an index build, a count) that waits longer means a dead server. */
    static final Duration LONG_WORK_SOCKET_TIMEOUT = Duration.ofMinutes(30);
    /** For {@link #connectBrief()}: the switch, fences, clean-up; none of their statements should take long. */
    public static final Duration BRIEF_STATEMENT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * A plain connection (autocommit on) for long work: copies, index builds, counts. Bounded like every
     * connection imago makes (connect, login, a socket timeout long enough for the longest single statement).
     */
    public Connection connect() throws SQLException {
        Properties p = baseProperties();
        p.setProperty("socketTimeout", Long.toString(LONG_WORK_SOCKET_TIMEOUT.toSeconds()));
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /**
     * A connection for short statements on a server that may stop answering at any moment (the switch, the
     * fences, dropping a slot, clean-up after the flip): a statement runs at most {@link #BRIEF_STATEMENT_TIMEOUT}
     * on the server, and a read waits at most a little longer on the client, so a frozen server costs a bounded
     * wait and an exception, never a hang.
     */
    public Connection connectBrief() throws SQLException {
        return connectFor(BRIEF_STATEMENT_TIMEOUT);
    }

    /**
     * Like {@link #connectBrief()} for statements that may legitimately wait longer (a lock taken within a drain
     * timeout): statements run at most {@code longestStatement}, reads wait at most 5 s more.
     */
    public Connection connectFor(Duration longestStatement) throws SQLException {
        Properties p = baseProperties();
        p.setProperty("socketTimeout", Long.toString(longestStatement.plusSeconds(5).toSeconds()));
        p.setProperty("options", "-c statement_timeout=" + longestStatement.toMillis());
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /**
     * A walsender connection that accepts replication commands such as CREATE_REPLICATION_SLOT.
     * The replication protocol only speaks the simple query protocol, and the version floor spares
     * the driver the start-up queries a walsender would not answer.
     *
     * <p>No socket timeout: CREATE_REPLICATION_SLOT answers only once every transaction running at that
     * moment has ended, which takes as long as the longest of them; a client-side read timeout would turn a
     * long transaction on the source into a failed slot creation. (Connect and login are bounded.)
     */
    public Connection connectReplication() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), replicationProperties());
    }

    /** A read on the replication stream that stalls this long in the middle of a message means a dead or frozen source. */
    static final Duration REPLICATION_STREAM_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    /**
     * A walsender connection for streaming a slot ({@code START_REPLICATION}), as the log shipper does, with a
     * socket timeout of {@link #REPLICATION_STREAM_SOCKET_TIMEOUT}.
     *
     * <p>Why a socket timeout is safe here: the shipper never blocks waiting for the stream. It polls
     * ({@code PGReplicationStream.readPending()}), and the driver looks for a pending message with its own 1 ms
     * read timeout, so an idle stream (no commits on the source, and the server sends keepalives only every
     * {@code wal_sender_timeout / 2} when it hears nothing from us) never reaches this timeout. A read waits
     * with it only once a message has begun to arrive, or for the answer to START_REPLICATION, which the
     * server sends at once: a wait of 60 s there means the source stopped answering. Caveat handled by the
     * caller ({@link SlotStream}): the driver's replication stream reports such a timeout as "no data" rather
     * than as an error, so the shipper treats a poll that took this long as a lost connection.
     */
    Connection connectReplicationStream() throws SQLException {
        Properties p = replicationProperties();
        p.setProperty("socketTimeout", Long.toString(REPLICATION_STREAM_SOCKET_TIMEOUT.toSeconds()));
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    private Properties replicationProperties() {
        Properties p = baseProperties();
        p.setProperty("replication", "database");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "10");
        return p;
    }

    private Properties baseProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        // Bounded waits on every connection: TCP connect, the whole login, and a cancel request.
        p.setProperty("connectTimeout", "10");
        p.setProperty("loginTimeout", Long.toString(LOGIN_TIMEOUT.toSeconds()));
        p.setProperty("cancelSignalTimeout", "5");
        p.setProperty("tcpKeepAlive", "true");
        if (sslRootCert != null) {
            p.setProperty("sslmode", "verify-full");
            p.setProperty("sslrootcert", sslRootCert);
            p.setProperty("channelBinding", "require");
        }
        // Names our sessions in pg_stat_activity, so operators (and the write fence) can tell them apart.
        p.setProperty("ApplicationName", "imago-migration");
        return p;
    }

    @Override
    public String toString() {
        return "PgEndpoint[host=" + host + ", port=" + port + ", database=" + database + ", user=" + user
                + ", password=" + (password == null || password.isEmpty() ? "(none)" : "***") + (sslRootCert == null ? "" : ", tls") + "]";
    }
}
