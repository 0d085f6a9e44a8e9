package io.imago.providers.local.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.spi.shadow.IgnorePaths;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads the body of {@code POST /shadow} into {@link ShadowMirror.Settings}, refusing what would be unsafe. */
final class ShadowSettings {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShadowSettings() {}

    /** @throws IllegalArgumentException with a message for the caller */
    static ShadowMirror.Settings parse(byte[] body) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        List<String> candidates = BackendSet.normalize(strings(n, "candidates"));
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("'candidates' must name the new universe's backends");
        }
        double sample = n.path("sample").asDouble(-1);
        if (!(sample > 0 && sample <= 1)) {
            throw new IllegalArgumentException("'sample' must be a share of requests above 0 and at most 1");
        }
        long durationMs = n.path("durationMs").asLong(-1);
        if (durationMs <= 0 || durationMs > ShadowMirror.MAX_DURATION.toMillis()) {
            throw new IllegalArgumentException("'durationMs' must be above 0 and at most " + ShadowMirror.MAX_DURATION.toMillis());
        }
        long retryMs = n.path("retryAfterMs").asLong(500);
        if (retryMs < 0 || retryMs > 60_000) {
            throw new IllegalArgumentException("'retryAfterMs' must be between 0 and 60000");
        }
        long warmUpMs = n.path("warmUpMs").asLong(0);
        if (warmUpMs < 0 || warmUpMs >= durationMs) {
            throw new IllegalArgumentException("'warmUpMs' must be at least 0 and shorter than durationMs");
        }
        int queue = n.path("queue").asInt(ShadowMirror.Settings.QUEUE);
        int workers = n.path("workers").asInt(ShadowMirror.Settings.WORKERS);
        if (queue < 1 || queue > 100_000 || workers < 1 || workers > 32) {
            throw new IllegalArgumentException("'queue' must be 1-100000 and 'workers' 1-32");
        }
        return new ShadowMirror.Settings(candidates, sample, Duration.ofMillis(durationMs), IgnorePaths.of(strings(n, "ignore")),
                Duration.ofMillis(retryMs), Duration.ofMillis(warmUpMs), queue, workers);
    }

    private static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        JsonNode a = n.path(field);
        if (!a.isMissingNode() && !a.isArray()) {
            throw new IllegalArgumentException("'" + field + "' must be a list of strings");
        }
        a.forEach(x -> out.add(x.asText()));
        return out;
    }
}
