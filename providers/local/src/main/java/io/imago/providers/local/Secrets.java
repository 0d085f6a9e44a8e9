package io.imago.providers.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The local provider's secret store: generated database passwords, one file per universe under
 * {@code <state>/providers/local/_secrets/<universe>.json}, mode 0600 in a 0700 folder, outside the
 * state files (which never hold a secret). Plays the part a cloud's secrets manager plays for the
 * other providers.
 *
 * <p>Written durably ({@link Tags#writeAtomically}: a 0600 temp file, fsync, atomic rename, fsync
 * of the folder), and before any server sees the password, so a data folder never holds a password
 * the store lacks. A password is generated only by {@link #generate} (the database's creation,
 * before initdb); every other reader goes through {@link #get}, which fails naming the file when the
 * entry is missing instead of inventing a password that would not open the existing server.
 */
final class Secrets {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private final String universe;
    private final Path file;
    private final Map<String, String> values;

    private Secrets(String universe, Path file, Map<String, String> values) {
        this.universe = universe;
        this.file = file;
        this.values = values;
    }

    static Path file(Tags tags, String universe) {
        return tags.root().resolve("_secrets").resolve(universe + ".json");
    }

    static Secrets of(Tags tags, String universe) {
        Path file = file(tags, universe);
        Map<String, String> values = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                // A store an older imago (or a user's copy) left readable by others is made private again.
                if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                    Files.setPosixFilePermissions(file, OWNER_ONLY);
                }
                values.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {}));
            } catch (IOException e) {
                throw new LocalProviderException("the secret store " + file + " cannot be read: " + e.getMessage());
            }
        }
        return new Secrets(universe, file, values);
    }

    synchronized boolean has(String role) {
        return values.containsKey(role);
    }

    Path file() {
        return file;
    }

    /**
     * The stored password of a role.
     *
     * @throws LocalProviderException naming the file when it is not there: the database exists
     *     (or is being reached), and a new password would not open it
     */
    synchronized String get(String role) {
        String pw = values.get(role);
        if (pw == null) {
            throw new LocalProviderException("the password of the database role '" + role + "' of " + universe
                    + " is missing from the secret store " + file + ": restore that file (from a backup) or destroy the universe");
        }
        return pw;
    }

    /** The stored password of a role, if the store has one (a role that older versions did not create has none). */
    synchronized java.util.Optional<String> find(String role) {
        return java.util.Optional.ofNullable(values.get(role));
    }

    /**
     * The password of a role, generated and stored durably the first time. Only for a database
     * being created, before its server has seen any password.
     */
    synchronized String generate(String role) {
        return values.computeIfAbsent(role, r -> {
            byte[] b = new byte[18];
            new SecureRandom().nextBytes(b);
            String pw = HexFormat.of().formatHex(b);
            Map<String, String> next = new TreeMap<>(values);
            next.put(r, pw);
            Tags.mkdirs(file.getParent());
            try {
                Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Tags.writeAtomically(file, next);
            return pw;
        });
    }

    static void delete(Tags tags, String universe) {
        try {
            Files.deleteIfExists(file(tags, universe));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
