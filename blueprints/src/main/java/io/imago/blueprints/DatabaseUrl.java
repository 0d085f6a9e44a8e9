package io.imago.blueprints;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where an external database is: {@code postgresql://host:port/db} (also {@code postgres://}; the port defaults
 * to 5432; an IPv6 host in brackets). Credentials and parameters are refused: the user and password have fields
 * of their own (so the password can be a secret reference), and a URL is shown in plans and status.
 */
public record DatabaseUrl(String host, int port, String database) {
    public static final String FORM = "postgresql://host:port/database";

    /**
     * @throws IllegalArgumentException with a message for users (without the URL, which the caller shows) when
     *     the text is not such a URL
     */
    public static DatabaseUrl parse(String text) {
        String rest;
        if (text.startsWith("postgresql://")) {
            rest = text.substring("postgresql://".length());
        } else if (text.startsWith("postgres://")) {
            rest = text.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException("must start with 'postgresql://'");
        }
        if (rest.contains("?") || rest.contains("#")) {
            throw new IllegalArgumentException("takes no parameters ('?...')");
        }
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("names no database ('/database' at its end)");
        }
        String authority = rest.substring(0, slash);
        String db = rest.substring(slash + 1);
        if (authority.contains("@")) {
            throw new IllegalArgumentException("must not carry a user or password ('user@'): give them in 'user' and 'password'");
        }
        if (db.isEmpty() || db.contains("/")) {
            throw new IllegalArgumentException("must name one database after the host ('/database')");
        }
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("has an unclosed '[' in its host");
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("has something other than ':port' after its host");
                }
                port = after.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
            throw new IllegalArgumentException("has no valid host");
        }
        int p = 5432;
        if (port != null) {
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw new IllegalArgumentException("has an invalid port '" + port + "'");
            }
            p = Integer.parseInt(port);
        }
        String name;
        try {
            name = URLDecoder.decode(db.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has an invalid escape in its database name");
        }
        return new DatabaseUrl(host, p, name);
    }

    /** The URL without credentials, as plans and status show it. */
    @Override
    public String toString() {
        return "postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
    }
}
