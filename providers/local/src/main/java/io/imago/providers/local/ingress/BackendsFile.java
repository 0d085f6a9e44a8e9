package io.imago.providers.local.ingress;

import io.imago.providers.spi.DurableFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the ingress records the backend set it points at, so that a restarted ingress points where
 * it pointed. Written atomically: a temporary file beside it, fsync, rename, fsync of the folder.
 */
final class BackendsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the file holds. */
    record Content(List<String> backends, long generation) {}

    private final Path file;

    BackendsFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    Path path() {
        return file;
    }

    /** The recorded set, or empty when nothing was ever recorded. */
    Optional<Content> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("backends").isArray()) {
            throw new IOException(file + " has no \"backends\" array");
        }
        List<String> backends = new ArrayList<>();
        for (JsonNode n : root.get("backends")) {
            if (!n.isTextual()) {
                throw new IOException(file + ": every backend must be a URL string");
            }
            backends.add(n.asText());
        }
        return Optional.of(new Content(List.copyOf(backends), root.path("generation").asLong(0)));
    }

    /** Replaces the file's content in one atomic step; callers serialize their writes. */
    void write(List<String> backends, long generation) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("backends", backends);
        doc.put("generation", generation);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        Files.createDirectories(file.toAbsolutePath().getParent());
        DurableFiles.replace(file, bytes);
    }
}
