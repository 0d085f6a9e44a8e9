package io.imago.providers.spi;

/** How to reach a database. {@link #toString()} hides the password, so it may be logged. */
public record DatabaseCredentials(String host, int port, String database, String user, String password) {
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** A libpq-style URL with the credentials, for applications' environment only. */
    public String url() {
        return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "DatabaseCredentials[" + user + "@" + host + ":" + port + "/" + database + "]";
    }
}
