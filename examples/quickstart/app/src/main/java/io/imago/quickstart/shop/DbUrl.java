package io.imago.quickstart.shop;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A libpq-style connection URL, {@code postgresql://user:password@host:port/dbname?param=value},
 * turned into what pgjdbc wants: a JDBC URL without the credentials, plus user and password.
 * Percent-escapes in the user, password and database name are decoded; query parameters
 * (e.g. {@code sslmode}) are passed through. A {@code jdbc:postgresql:} URL is taken as it is.
 */
public record DbUrl(String jdbcUrl, String user, String password) {

    /** @throws IllegalArgumentException with a message that never contains the password */
    public static DbUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("DB_URL is not set");
        }
        String s = url.trim();
        if (s.startsWith("jdbc:postgresql:")) {
            return new DbUrl(s, null, null);
        }
        String rest;
        if (s.startsWith("postgresql://")) {
            rest = s.substring("postgresql://".length());
        } else if (s.startsWith("postgres://")) {
            rest = s.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException("DB_URL must start with postgresql:// (got " + scheme(s) + ")");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String path = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@'); // a password may contain an unescaped '@'; the host cannot
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                user = decode(userInfo.substring(0, colon));
                password = decode(userInfo.substring(colon + 1));
            } else {
                user = decode(userInfo);
            }
            if (user.isEmpty()) {
                user = null;
            }
        }
        String host;
        String port = null;
        if (rest.startsWith("[")) { // IPv6 literal
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("DB_URL has an unclosed '[' in its host");
            }
            host = rest.substring(0, close + 1);
            String after = rest.substring(close + 1);
            if (after.startsWith(":")) {
                port = after.substring(1);
            } else if (!after.isEmpty()) {
                throw new IllegalArgumentException("DB_URL has something after its host: " + after);
            }
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon >= 0 ? rest.substring(0, colon) : rest;
            port = colon >= 0 ? rest.substring(colon + 1) : null;
        }
        if (host.isEmpty()) {
            host = "localhost";
        }
        if (port == null || port.isEmpty()) {
            port = "5432";
        } else if (!port.chars().allMatch(Character::isDigit) || port.length() > 5 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("DB_URL has a bad port: " + port);
        }
        Map<String, String> params = params(query);
        String qUser = params.remove("user");
        String qPassword = params.remove("password");
        if (qUser != null && !qUser.isEmpty()) {
            user = qUser;
        }
        if (qPassword != null) {
            password = qPassword;
        }
        String db = decode(path);
        if (db.isEmpty()) {
            db = user != null ? user : "postgres"; // libpq's default: the user name
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port)
                .append('/').append(URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20"));
        if (!params.isEmpty()) {
            jdbc.append('?');
            boolean first = true;
            for (var e : params.entrySet()) {
                if (!first) {
                    jdbc.append('&');
                }
                first = false;
                jdbc.append(enc(e.getKey())).append('=').append(enc(e.getValue()));
            }
        }
        return new DbUrl(jdbc.toString(), user, password);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq >= 0 ? pair.substring(0, eq) : pair);
            String v = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
            // libpq names that pgjdbc spells differently
            if (k.equals("application_name")) {
                k = "ApplicationName";
            }
            if (k.equals("connect_timeout")) {
                k = "connectTimeout";
            }
            out.put(k, v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DB_URL has a bad percent-escape");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String scheme(String s) {
        int i = s.indexOf("://");
        return i > 0 ? s.substring(0, i) + "://" : "no scheme";
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return jdbcUrl + (user == null ? "" : " as " + user);
    }
}
