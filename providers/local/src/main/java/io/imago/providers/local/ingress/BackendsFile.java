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
    /** What {@link #stage} wrote beside the file, synced, for the next {@link #write}; null when nothing is staged. */
    private Content staged;

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

    /**
     * Writes the content a coming switch will record beside the file and syncs it, so that the switch itself only
     * renames it into place (one folder sync instead of a file's and a folder's, inside the switch's write pause).
     * Callers serialize their writes.
     */
    void stage(List<String> backends, long generation) throws IOException {
        staged = null;
        Files.createDirectories(file.getParent());
        DurableFiles.writeSynced(stagedPath(), bytes(backends, generation), true);
        staged = new Content(List.copyOf(backends), generation);
    }

    private Path stagedPath() {
        return file.resolveSibling(file.getFileName() + ".staged");
    }

    /** Replaces the file's content in one atomic step (by the staged file when it holds this content); callers serialize their writes. */
    void write(List<String> backends, long generation) throws IOException {
        Content c = new Content(List.copyOf(backends), generation);
        if (c.equals(staged) && Files.exists(stagedPath())) {
            staged = null;
            DurableFiles.moveInto(stagedPath(), file);
            return;
        }
        staged = null;
        Files.createDirectories(file.getParent());
        DurableFiles.replace(file, bytes(backends, generation));
    }

    private static byte[] bytes(List<String> backends, long generation) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("backends", backends);
        doc.put("generation", generation);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
    }
}
