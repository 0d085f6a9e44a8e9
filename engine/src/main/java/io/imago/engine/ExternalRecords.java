package io.imago.engine;

import io.imago.providers.spi.DurableFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.spi.ProviderException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@link ExternalDatabases} keeps on this machine, under {@code <state>/providers/external/}, the way the local
 * provider keeps its tags and generated passwords:
 * <ul>
 *   <li>{@code <universe>.json}: the database's record (non-secret attributes: where it is, the references its
 *       credentials come from, the roles Imago created there), written before Imago changes anything on the server,
 *       so that a kill before the state records it leaves something destroy can find;</li>
 *   <li>{@code _secrets/<universe>.json}: the passwords Imago generated for the roles it created (never the admin's
 *       nor the application's given one, which stay references), stored before any server sees them.</li>
 * </ul>
 * Files are 0600 in 0700 folders, written atomically (temp file, fsync, rename, fsync of the folder).
 */
final class ExternalRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    ExternalRecords(Path root) {
        this.root = root.toAbsolutePath();
    }

    Path secretsFile(String universe) {
        return root.resolve("_secrets").resolve(universe + ".json");
    }

    Optional<Map<String, String>> record(String universe) {
        return read(root.resolve(universe + ".json"));
    }

    void saveRecord(String universe, Map<String, String> attrs) {
        write(root.resolve(universe + ".json"), attrs);
    }

    synchronized Optional<String> password(String universe, String role) {
        return read(secretsFile(universe)).map(m -> m.get(role));
    }

    /** The stored password of a role Imago creates, generated and stored durably the first time. */
    synchronized String generate(String universe, String role) {
        Map<String, String> secrets = new TreeMap<>(read(secretsFile(universe)).orElse(Map.of()));
        String pw = secrets.get(role);
        if (pw == null) {
            byte[] b = new byte[18];
            new SecureRandom().nextBytes(b);
            pw = HexFormat.of().formatHex(b);
            secrets.put(role, pw);
            write(secretsFile(universe), secrets);
        }
        return pw;
    }

    void delete(String universe) {
        try {
            Files.deleteIfExists(secretsFile(universe));
            Files.deleteIfExists(root.resolve(universe + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Map<String, String>> read(Path f) {
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), new TypeReference<TreeMap<String, String>>() {}));
        } catch (IOException e) {
            throw new ProviderException("cannot read " + f + ": " + e.getMessage());
        }
    }

    private static void write(Path f, Map<String, String> value) {
        try {
            mkdirs(f.getParent());
            DurableFiles.replace(f, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    }
}
