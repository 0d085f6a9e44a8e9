package io.imago.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imago.blueprints.CheckSpec;
import io.imago.providers.spi.Endpoint;
import io.imago.state.IngressState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The {@code compare} check: the same GET to the old universe (through the ingress, which still
 * points at it) and to every new instance directly; status and body must agree, bodies compared as
 * JSON when both are JSON, with the {@code ignore}d fields left out at any depth.
 */
final class AnswerComparison {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnswerComparison() {}

    static List<String> compare(ApplyContext ctx, CheckSpec.Compare check) throws Exception {
        IngressState ing = ctx.ingressState().orElseThrow(() -> EngineException.failed("no ingress to reach the old universe"));
        String oldUrl = ctx.ingressProvider().ingress().url(Resources.resource(ing.resource()));
        List<String> problems = new ArrayList<>();
        for (Endpoint e : ctx.endpoints()) {
            String diff = null;
            // The two answers are read a moment apart while users keep writing to the old universe and the new one
            // follows it a few ms behind: a difference seen once may only be a row that changed in between. It counts
            // when it is still there after the new universe has had time to catch up, read again on both sides.
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                if (attempt > 0) {
                    Thread.sleep(RETRY_AFTER.toMillis());
                }
                HttpResponse<String> old = get(oldUrl + check.path());
                HttpResponse<String> neu = get(e.url() + check.path());
                diff = difference(old, neu, check.ignore());
                if (diff == null) {
                    break;
                }
            }
            if (diff != null) {
                problems.add(check.path() + " on " + e + ": " + diff);
            }
        }
        return problems;
    }

    private static final int ATTEMPTS = 3;
    private static final Duration RETRY_AFTER = Duration.ofMillis(300);

    /** Null when the answers agree; else what differs first. */
    static String difference(HttpResponse<String> old, HttpResponse<String> neu, List<String> ignore) {
        if (old.statusCode() != neu.statusCode()) {
            return "status " + neu.statusCode() + " (old answered " + old.statusCode() + ")";
        }
        JsonNode a = parse(old.body());
        JsonNode b = parse(neu.body());
        if (a == null || b == null) {
            return old.body().equals(neu.body()) ? null : "the body differs from the old one's";
        }
        strip(a, ignore);
        strip(b, ignore);
        return firstDifference("", a, b);
    }

    private static String firstDifference(String path, JsonNode a, JsonNode b) {
        if (a.isObject() && b.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!b.has(f.getKey())) {
                    return path + "/" + f.getKey() + " is missing (old: " + f.getValue() + ")";
                }
                String d = firstDifference(path + "/" + f.getKey(), f.getValue(), b.get(f.getKey()));
                if (d != null) {
                    return d;
                }
            }
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!a.has(k)) {
                    return path + "/" + k + " is new (" + b.get(k) + "); add it to ignore if that is intended";
                }
            }
            return null;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return (path.isEmpty() ? "/" : path) + " has " + b.size() + " items (old: " + a.size() + ")";
            }
            for (int i = 0; i < a.size(); i++) {
                String d = firstDifference(path + "/" + i, a.get(i), b.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return a.equals(b) ? null : (path.isEmpty() ? "/" : path) + " is " + b + " (old: " + a + ")";
    }

    private static void strip(JsonNode n, List<String> ignore) {
        if (n instanceof ObjectNode o) {
            o.remove(ignore);
        }
        n.forEach(child -> strip(child, ignore));
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && (n.isObject() || n.isArray()) ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
