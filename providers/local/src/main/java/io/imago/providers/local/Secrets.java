package io.imago.providers.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The local provider's secret store: generated database passwords, in a file readable by its owner
 * only, outside the state files (which never hold a secret). Plays the part a cloud's secrets
 * manager plays for the other providers.
 */
final class Secrets {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Map<String, String> values;

    private Secrets(Path file, Map<String, String> values) {
        this.file = file;
        this.values = values;
    }

    static Secrets of(Tags tags, String universe) {
        Path file = tags.root().resolve("_secrets").resolve(universe + ".json");
        Map<String, String> values = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                values.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {}));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Secrets(file, values);
    }

    synchronized boolean has(String role) {
        return values.containsKey(role);
    }

    Path file() {
        return file;
    }

    /** The password of a role, generated and stored the first time it is asked for. */
    synchronized String get(String role) {
        return values.computeIfAbsent(role, r -> {
            byte[] b = new byte[18];
            new SecureRandom().nextBytes(b);
            String pw = HexFormat.of().formatHex(b);
            Map<String, String> next = new TreeMap<>(values);
            next.put(r, pw);
            Tags.writeAtomically(file, next);
            return pw;
        });
    }

    static void delete(Tags tags, String universe) {
        try {
            Files.deleteIfExists(tags.root().resolve("_secrets").resolve(universe + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
