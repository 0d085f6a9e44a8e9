package io.imago.providers.spi;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * How to reach a database. {@link #toString()} hides the password, so it may be logged.
 *
 * @param sslRootCert the certificate (PEM file) the server must present, or null where the provider has none to
 *     give; with it every connection is TLS, checks the server against it ({@code sslmode=verify-full}) and binds
 *     the login to that channel ({@code channelBinding=require}), so a server that merely took the port learns
 *     nothing
 */
public record DatabaseCredentials(String host, int port, String database, String user, String password, String sslRootCert) {

    public DatabaseCredentials(String host, int port, String database, String user, String password) {
        this(host, port, database, user, password, null);
    }

    /** A pgjdbc URL, with the TLS settings when there is a certificate to check (no credentials in it). */
    public String jdbcUrl() {
        String base = "jdbc:postgresql://" + host + ":" + port + "/" + database;
        return sslRootCert == null ? base
                : base + "?sslmode=verify-full&sslrootcert=" + enc(sslRootCert) + "&channelBinding=require";
    }

    /**
     * A libpq-style URL with the credentials, for applications' environment only. With a certificate it asks for
     * verify-full, which libpq and pgjdbc both understand (channel binding is spelled differently by each, so it is
     * left to them).
     */
    public String url() {
        String base = "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + database;
        return sslRootCert == null ? base : base + "?sslmode=verify-full&sslrootcert=" + enc(sslRootCert);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DatabaseCredentials[" + user + "@" + host + ":" + port + "/" + database + "]";
    }
}
