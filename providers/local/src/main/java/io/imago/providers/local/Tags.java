package io.imago.providers.local;

import io.imago.providers.spi.DurableFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The local provider's equivalent of cloud resource tags: one small JSON file per thing it
 * started, under {@code <workDir>/<universe>/<kind>/<id>.json}, written atomically. Tags are written
 * before a process is spawned and again with its pid after, and what the provider starts carries a
 * mark of its own (command line or environment), so a kill of imago at any instant leaks nothing
 * that destroy cannot find.
 */
final class Tags {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    Tags(Path root) {
        this.root = root.toAbsolutePath();
    }

    Path root() {
        return root;
    }

    Path folder(String universe, String kind) {
        Path d = root.resolve(universe).resolve(kind);
        mkdirs(d);
        return d;
    }

    Optional<Map<String, String>> read(String universe, String kind, String id) {
        Path f = root.resolve(universe).resolve(kind).resolve(id + ".json");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), new TypeReference<TreeMap<String, String>>() {}));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(String universe, String kind, String id, Map<String, String> attrs) {
        Path f = folder(universe, kind).resolve(id + ".json");
        writeAtomically(f, attrs);
    }

    /**
     * Deletes the tag, and the universe's folder with it once nothing tagged is left there. One at a time: instances
     * are destroyed in parallel, and two that each found no tag left would delete the folder under each other (a
     * universe whose database is external has nothing but instances here).
     */
    void delete(String universe, String kind, String id) {
        try {
            Files.deleteIfExists(root.resolve(universe).resolve(kind).resolve(id + ".json"));
            synchronized (Tags.class) {
                Path u = root.resolve(universe);
                if (!Files.isDirectory(u)) {
                    return;
                }
                boolean tagsLeft;
                try (Stream<Path> walk = Files.walk(u)) {
                    tagsLeft = walk.anyMatch(p -> p.toString().endsWith(".json"));
                }
                if (!tagsLeft) {
                    LocalIngresses.deleteTree(u);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every tagged thing of a kind in the universe, as (id, attrs). */
    List<Map.Entry<String, Map<String, String>>> list(String universe, String kind) {
        Path d = root.resolve(universe).resolve(kind);
        List<Map.Entry<String, Map<String, String>>> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String id = f.getFileName().toString().replaceFirst("\\.json$", "");
                read(universe, kind, id).ifPresent(a -> out.add(Map.entry(id, a)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static void writeAtomically(Path f, Object value) {
        try {
            mkdirs(f.getParent());
            // The order of these writes is what resuming relies on (a password stored before initdb uses it, a flag
            // set after), even across a power cut: each is durable before the next.
            DurableFiles.replace(f, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void mkdirs(Path d) {
        try {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
