package io.imago.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Prices fetched from the AWS Price List API, kept on disk under the state folder
 * ({@code <state>/providers/aws/pricing/aws-<region>-<date>.json}, the date of the fetch) and reused for
 * {@link #FRESH}: a plan re-run within a day asks AWS nothing again. Written as the state files are: a temporary file,
 * fsync, an atomic rename, then the folder fsynced, so a crash leaves the old file or the new one, never half of one.
 */
final class PriceCache {
    static final Duration FRESH = Duration.ofHours(24);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one fetch keeps: when, and the prices by key (see {@link AwsPrices}). */
    record Entry(Path file, Instant fetchedAt, Map<String, String> prices) {}

    private final Path dir;
    private final String region;
    private final Clock clock;

    PriceCache(Path dir, String region, Clock clock) {
        this.dir = dir;
        this.region = region;
        this.clock = clock;
    }

    /** The newest file of the region fetched less than {@link #FRESH} ago; empty when there is none. */
    Optional<Entry> fresh() {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Instant oldest = clock.instant().minus(FRESH);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("aws-" + java.util.regex.Pattern.quote(region) + "-\\d{4}-\\d{2}-\\d{2}\\.json"))
                    .map(PriceCache::read).flatMap(Optional::stream)
                    .filter(e -> e.fetchedAt().isAfter(oldest) && !e.fetchedAt().isAfter(clock.instant().plusSeconds(60)))
                    .max(java.util.Comparator.comparing(Entry::fetchedAt));
        } catch (IOException e) {
            return Optional.empty(); // an unreadable cache is no cache: the prices are fetched again
        }
    }

    /** A new, empty entry fetched now, in the file of today's date. */
    Entry start() {
        Instant now = clock.instant();
        return new Entry(dir.resolve("aws-" + region + "-" + now.atOffset(ZoneOffset.UTC).toLocalDate() + ".json"), now, new TreeMap<>());
    }

    private static Optional<Entry> read(Path f) {
        try {
            JsonNode j = JSON.readTree(f.toFile());
            Map<String, String> prices = new TreeMap<>();
            j.get("prices").fields().forEachRemaining(e -> prices.put(e.getKey(), e.getValue().asText()));
            return Optional.of(new Entry(f, Instant.parse(j.get("fetchedAt").asText()), prices));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // half-written by another tool, or not ours: ignored
        }
    }

    void save(Entry e) {
        ObjectNode j = JSON.createObjectNode();
        j.put("region", region);
        j.put("fetchedAt", e.fetchedAt().toString());
        j.put("source", "AWS Price List API (GetProducts), on-demand");
        ObjectNode p = j.putObject("prices");
        new TreeMap<>(e.prices()).forEach(p::put);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".aws-" + region, ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(j)));
                ch.force(true);
            }
            Files.move(tmp, e.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some file systems refuse to open a folder: the rename is still atomic
            }
        } catch (IOException x) {
            throw new UncheckedIOException("cannot write the price cache " + e.file(), x);
        }
    }
}
