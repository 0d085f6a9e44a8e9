package io.imago.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imago.providers.spi.ProviderException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What a universe's database secret holds ({@link AwsNames#databaseSecret}), as JSON in the shape of RDS's own
 * secrets ({@code engine}, {@code username}, {@code password}, {@code dbname}) plus the application's and the reader's
 * roles. Passwords are 36 hex characters: nothing a URL, a shell or a connection string must escape. {@link #toString}
 * shows no password.
 */
record DbSecret(String username, String password, String appUsername, String appPassword, String readerUsername,
                String readerPassword, String dbname) {
    static final String ADMIN = "imago";
    static final String APP = "app";
    static final String READER = "imago_reader";
    static final String DBNAME = "app";
    private static final ObjectMapper JSON = new ObjectMapper();

    static DbSecret generate() {
        return new DbSecret(ADMIN, newPassword(), APP, newPassword(), READER, newPassword(), DBNAME);
    }

    private static String newPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("engine", "postgres");
        n.put("username", username);
        n.put("password", password);
        n.put("appUsername", appUsername);
        n.put("appPassword", appPassword);
        n.put("readerUsername", readerUsername);
        n.put("readerPassword", readerPassword);
        n.put("dbname", dbname);
        return n.toString();
    }

    /** @param secretName for the message only */
    static DbSecret parse(String json, String secretName) {
        try {
            JsonNode n = JSON.readTree(json);
            DbSecret s = new DbSecret(text(n, "username"), text(n, "password"), text(n, "appUsername"), text(n, "appPassword"),
                    text(n, "readerUsername"), text(n, "readerPassword"), text(n, "dbname"));
            if (s.username() == null || s.password() == null || s.appUsername() == null || s.appPassword() == null || s.dbname() == null) {
                throw new ProviderException("the secret " + secretName + " lacks a user, password or dbname field");
            }
            return s;
        } catch (IOException e) {
            throw new ProviderException("the secret " + secretName + " is not the JSON imago wrote");
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public String toString() {
        return "DbSecret[" + username + ", " + appUsername + ", " + readerUsername + " @ " + dbname + "]";
    }
}
