package io.imago.providers.local.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls an {@link IngressServer}'s loopback admin API; failures throw {@link IngressException}.
 *
 * <p>Through {@link HttpURLConnection}, on the caller's thread over a kept-alive connection: the switch's write pause
 * makes three of these calls, and {@code java.net.http}'s hand-offs between threads cost 4 to 12 ms a call there
 * (measured in a fresh CLI process) where this costs 2 to 4.
 */
public final class IngressClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** The shadow calls answer with results (or wait for copies in flight): more time on a loaded machine. */
    private static final Duration SHADOW_TIMEOUT = Duration.ofSeconds(20);

    /** An answer: its status and body. */
    private record Answer(int status, String body) {}

    private final int adminPort;
    private final String token;

    /** @param tokenOrNull the admin token, sent as {@code Authorization: Bearer}, or null */
    public IngressClient(int adminPort, String tokenOrNull) {
        this.adminPort = adminPort;
        this.token = tokenOrNull == null || tokenOrNull.isBlank() ? null : tokenOrNull.trim();
    }

    /** Where the ingress points now. */
    public List<String> backends() {
        JsonNode n = call("GET", "/backends", null, TIMEOUT);
        List<String> out = new ArrayList<>();
        n.path("backends").forEach(b -> out.add(b.asText()));
        return List.copyOf(out);
    }

    /** Points the ingress at exactly these backends in one atomic step; returns the new generation. */
    public long point(List<String> backendUrls) {
        return point(backendUrls, false);
    }

    /** As {@link #point(List)}; with {@code resume} it also lets requests held by {@link #pause} through. */
    public long point(List<String> backendUrls, boolean resume) {
        return put(resume ? "/backends?resume=true" : "/backends", backendUrls);
    }

    /** Prepares the record of a coming {@link #point} at these backends, so that the point itself only renames a file. */
    public void stage(List<String> backendUrls) {
        put("/backends?stage=true", backendUrls);
    }

    private long put(String path, List<String> backendUrls) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("backends", backendUrls);
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IngressException("cannot encode the backend list: " + e.getMessage(), e);
        }
        return call("PUT", path, json, TIMEOUT).path("generation").asLong();
    }

    /** Makes new public requests wait, for at most {@code max}, until {@link #resume} or a point with resume. */
    public void pause(Duration max) {
        pause(max, Duration.ZERO);
    }

    /**
     * A hold in place: the requests still in flight when the call answered, and the hold's token (null from an ingress
     * older than tokens), which {@link HoldExtension} names.
     */
    public record Hold(int inFlight, String token) {}

    /** As {@link #pause(Duration)}, answering once the requests already let through have completed, or after {@code drain}. */
    public Hold pause(Duration max, Duration drain) {
        JsonNode n = call("POST", "/pause?timeoutMs=" + Math.max(0, max.toMillis()) + "&drainMs=" + Math.max(0, drain.toMillis()), "", TIMEOUT);
        return new Hold(n.path("inFlight").asInt(), n.hasNonNull("token") ? n.get("token").asText() : null);
    }

    /** Lets held requests through. */
    public void resume() {
        call("POST", "/resume", "", TIMEOUT);
    }

    /** Starts a shadow comparison (see {@link ShadowMirror}); replaces one that runs. */
    public void startShadow(io.imago.providers.spi.shadow.ShadowRequest req) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("candidates", req.candidates().stream().map(io.imago.providers.spi.Endpoint::url).toList());
        body.put("sample", req.sample());
        body.put("durationMs", req.duration().toMillis());
        body.put("ignore", req.ignore());
        body.put("retryAfterMs", req.retryAfter().toMillis());
        body.put("warmUpMs", req.warmUp().toMillis());
        try {
            call("POST", "/shadow", JSON.writeValueAsString(body), SHADOW_TIMEOUT);
        } catch (IOException e) {
            throw new IngressException("cannot encode the shadow request: " + e.getMessage(), e);
        }
    }

    /** What the running (or last) shadow comparison found. */
    public io.imago.providers.spi.shadow.ShadowResults shadowResults() {
        return results(call("GET", "/shadow", null, SHADOW_TIMEOUT));
    }

    /** Stops the shadow comparison and returns what it found. */
    public io.imago.providers.spi.shadow.ShadowResults stopShadow() {
        return results(call("DELETE", "/shadow", null, SHADOW_TIMEOUT));
    }

    private io.imago.providers.spi.shadow.ShadowResults results(JsonNode n) {
        try {
            return JSON.copy().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .treeToValue(n, io.imago.providers.spi.shadow.ShadowResults.class);
        } catch (IOException e) {
            throw new IngressException("the ingress admin on " + where() + " answered shadow results that cannot be read: " + e.getMessage(), e);
        }
    }

    /** True when the admin API answers 200 to {@code /health}; never throws. */
    public boolean healthy() {
        try {
            return exchange("GET", "/health", null, CONNECT_TIMEOUT).status() == 200;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Asks the ingress to stop; an ingress that is already gone counts as stopped. */
    public void shutdown() {
        Answer r;
        try {
            r = exchange("POST", "/shutdown", "", TIMEOUT);
        } catch (IOException e) {
            return; // refused or closed: nothing listens there any more
        }
        if (r.status() != 200) {
            throw failure(r);
        }
    }

    private JsonNode call(String method, String path, String body, Duration timeout) {
        Answer r;
        try {
            r = exchange(method, path, body, timeout);
        } catch (IOException e) {
            throw new IngressException("cannot reach the ingress admin on " + where() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        if (r.status() == 404 && path.startsWith("/shadow") && r.body().contains("no such admin path")) {
            throw new IngressException("the ingress on admin port " + adminPort + " was started by an imago without the shadow check: "
                    + "restart it (imago destroy of its universes, or stop its process) to use the check");
        }
        if (r.status() != 200) {
            throw failure(r);
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IngressException("the ingress admin on " + where() + " answered something that is not JSON", e);
        }
    }

    /** One request; a refused connection surfaces as {@link java.net.ConnectException}. */
    private Answer exchange(String method, String path, String body, Duration timeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + adminPort + path).openConnection();
        c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setUseCaches(false);
        c.setRequestMethod(method);
        if (token != null) {
            c.setRequestProperty("Authorization", "Bearer " + token);
        }
        if (body != null) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            c.setDoOutput(true);
            // Not in streaming mode: the JDK then probes a kept-alive connection before each POST with a read that
            // times out after 1 ms, a millisecond and more of the switch's pause per call (measured: 1.8 ms to send a
            // POST, 0.4 ms a PUT). These bodies are small; buffered, they go out with the headers.
            if (bytes.length > 0) {
                c.setRequestProperty("Content-Type", "application/json");
            }
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
        }
        int status = c.getResponseCode();
        // Read to the end either way, so that the connection goes back to the keep-alive cache for the next call.
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private IngressException failure(Answer r) {
        String detail = r.body();
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n != null && n.hasNonNull("error")) {
                detail = n.get("error").asText();
            }
        } catch (IOException ignored) {
            // keep the raw body
        }
        return new IngressException("the ingress admin on " + where() + " answered " + r.status()
                + (detail == null || detail.isBlank() ? "" : ": " + detail.strip()));
    }

    private String where() {
        return "127.0.0.1:" + adminPort;
    }
}
