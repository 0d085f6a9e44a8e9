package io.imago.engine;

import io.imago.blueprints.CheckSpec;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.shadow.Answer;
import io.imago.providers.spi.shadow.AnswerDiff;
import io.imago.providers.spi.shadow.Difference;
import io.imago.providers.spi.shadow.IgnorePaths;
import io.imago.state.IngressState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code compare} check: the same GET to the old universe (through the ingress, which still
 * points at it) and to every new instance directly; status and body must agree, bodies compared as
 * JSON when both are JSON, with the {@code ignore}d fields left out at any depth.
 */
final class AnswerComparison {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

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

    /**
     * Null when the answers agree; else what differs first. The comparison is the shadow check's ({@link AnswerDiff}:
     * JSON structurally, other bodies byte for byte), the headers left out; {@code ignore} takes the same paths
     * ({@code $.servedAt}, or a bare field name at any depth).
     */
    static String difference(HttpResponse<String> old, HttpResponse<String> neu, List<String> ignore) {
        IgnorePaths ig = IgnorePaths.of(ignore);
        return AnswerDiff.diff(answer(old), answer(neu), List.of()).stream().filter(d -> !ig.ignores(d.path())).findFirst()
                .map(d -> d.path().equals("status") ? "status " + d.neu() + " (old answered " + d.old() + ")"
                        : d.path().equals("body") ? "the body differs from the old one's"
                        : d.old().equals(Difference.ABSENT) ? d.describe() + "; add it to ignore if that is intended" : d.describe())
                .orElse(null);
    }

    private static Answer answer(HttpResponse<String> r) {
        return new Answer(r.statusCode(), Map.of(), r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
