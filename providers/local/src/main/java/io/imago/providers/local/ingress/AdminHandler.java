package io.imago.providers.local.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The loopback admin API.
 *
 * <pre>
 * GET  /health                       {"status":"ok","generation":N,"backends":K,"paused":false}
 * GET  /backends                     {"backends":["http://127.0.0.1:9001",...],"generation":N}
 * PUT  /backends[?resume=true]       body {"backends":[...]}: atomic swap, persisted; answers as GET
 * PUT  /backends?stage=true          body {"backends":[...]}: prepares the record of that swap (no swap); answers as GET
 * POST /pause?timeoutMs=T&drainMs=D  hold new public requests for at most T ms (default 10000); answer once
 *                                    the requests already let through have completed, or after D ms (default 0),
 *                                    with the hold's token (the same until it ends), which a {@link HoldExtension} names
 * POST /resume                       let held requests through
 * POST /shadow                       body {"candidates":[...],"sample":0.2,"durationMs":D,"ignore":[...],"retryAfterMs":R}:
 *                                    copy that share of GET/HEAD requests to the candidates for D ms (at most an hour),
 *                                    comparing their answers with the old universe's (see {@link ShadowMirror})
 * GET  /shadow                       what the running (or last) comparison found (ShadowResults as JSON)
 * DELETE /shadow                     stop copying; answers as GET
 * POST /shutdown                     stop the ingress
 * </pre>
 *
 * With a token configured, every call needs {@code Authorization: Bearer TOKEN}.
 */
final class AdminHandler implements HttpHandler {
    static final int MAX_BODY = 64 * 1024;
    static final long DEFAULT_PAUSE_MS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SwitchableProxy proxy;
    private final RequestGate gate;
    private final ShadowTap shadow;
    private final byte[] expectedAuth;
    private final Runnable shutdown;
    private final Consumer<String> log;

    /** @param token the bearer token every call must carry, or null for none */
    AdminHandler(SwitchableProxy proxy, RequestGate gate, ShadowTap shadow, String token, Runnable shutdown, Consumer<String> log) {
        this.proxy = proxy;
        this.gate = gate;
        this.shadow = shadow;
        this.expectedAuth = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.shutdown = shutdown;
        this.log = log;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (ex.isInIoThread()) {
            ex.dispatch(this); // file writes and body reads block: run on a worker thread
            return;
        }
        ex.startBlocking();
        if (!authorized(ex)) {
            reply(ex, StatusCodes.UNAUTHORIZED, error("missing or wrong bearer token"));
            return;
        }
        String method = ex.getRequestMethod().toString();
        String path = ex.getRequestPath();
        try {
            switch (path) {
                case "/health" -> {
                    if (allow(ex, method, "GET")) {
                        BackendSet s = proxy.current();
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("status", "ok");
                        m.put("generation", s.generation());
                        m.put("backends", s.urls().size());
                        m.put("paused", gate.paused());
                        reply(ex, StatusCodes.OK, m);
                    }
                }
                case "/backends" -> {
                    if (method.equals("PUT")) {
                        putBackends(ex);
                    } else if (allow(ex, method, "GET")) {
                        reply(ex, StatusCodes.OK, describe(proxy.current()));
                    }
                }
                case "/pause" -> {
                    if (allow(ex, method, "POST")) {
                        long ms = longParam(ex, "timeoutMs", DEFAULT_PAUSE_MS);
                        long drainMs = longParam(ex, "drainMs", 0);
                        String token = gate.pause(Duration.ofMillis(ms));
                        int left = gate.awaitInFlight(Duration.ofMillis(Math.min(drainMs, ms)));
                        log.accept("paused for at most " + ms + "ms" + (drainMs > 0 ? "; " + left + " requests still in flight" : ""));
                        reply(ex, StatusCodes.OK, Map.of("paused", true, "timeoutMs", ms, "inFlight", left, "token", token));
                    }
                }
                case "/resume" -> {
                    if (allow(ex, method, "POST")) {
                        int n = gate.resume();
                        reply(ex, StatusCodes.OK, Map.of("paused", false, "released", n));
                    }
                }
                case "/shadow" -> shadow(ex, method);
                case "/shutdown" -> {
                    if (allow(ex, method, "POST")) {
                        log.accept("shutdown requested");
                        reply(ex, StatusCodes.OK, Map.of("status", "stopping"));
                        shutdown.run();
                    }
                }
                default -> reply(ex, StatusCodes.NOT_FOUND, error("no such admin path: " + path));
            }
        } catch (IllegalArgumentException e) {
            reply(ex, StatusCodes.BAD_REQUEST, error(e.getMessage()));
        }
    }

    private void shadow(HttpServerExchange ex, String method) throws IOException, InterruptedException {
        switch (method) {
            case "POST" -> {
                byte[] body = ex.getInputStream().readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    reply(ex, StatusCodes.REQUEST_ENTITY_TOO_LARGE, error("body larger than " + MAX_BODY + " bytes"));
                    return;
                }
                shadow.start(ShadowSettings.parse(body));
                reply(ex, StatusCodes.OK, shadow.results());
            }
            case "DELETE" -> {
                var r = shadow.stop();
                reply(ex, r == null ? StatusCodes.NOT_FOUND : StatusCodes.OK, r == null ? error("no shadow comparison has run") : r);
            }
            default -> {
                if (allow(ex, method, "GET")) {
                    var r = shadow.results();
                    reply(ex, r == null ? StatusCodes.NOT_FOUND : StatusCodes.OK, r == null ? error("no shadow comparison has run") : r);
                }
            }
        }
    }

    private void putBackends(HttpServerExchange ex) throws IOException {
        byte[] body = ex.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            reply(ex, StatusCodes.REQUEST_ENTITY_TOO_LARGE, error("body larger than " + MAX_BODY + " bytes"));
            return;
        }
        List<String> urls = parseBackends(body);
        if ("true".equals(param(ex, "stage"))) {
            try {
                proxy.stage(urls);
            } catch (IOException e) {
                reply(ex, StatusCodes.INTERNAL_SERVER_ERROR, error("could not stage the backend set: " + e.getMessage()));
                return;
            }
            reply(ex, StatusCodes.OK, describe(proxy.current()));
            return;
        }
        boolean resume = "true".equals(param(ex, "resume"));
        BackendSet before = proxy.current();
        BackendSet after;
        try {
            after = proxy.switchTo(urls);
        } catch (IOException e) {
            log.accept("could not persist the backend set: " + e.getMessage());
            reply(ex, StatusCodes.INTERNAL_SERVER_ERROR, error("could not persist the backend set, nothing changed: "
                    + e.getMessage()));
            return;
        }
        if (after != before) {
            log.accept("switched to generation " + after.generation() + ": " + after.urls());
        }
        if (resume) {
            gate.resume();
        }
        reply(ex, StatusCodes.OK, describe(after));
    }

    static List<String> parseBackends(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body could not be read: " + e.getMessage());
        }
        if (root == null || !root.path("backends").isArray()) {
            throw new IllegalArgumentException("the body must be {\"backends\":[\"http://host:port\",...]}");
        }
        List<String> urls = new ArrayList<>();
        for (JsonNode n : root.get("backends")) {
            if (!n.isTextual()) {
                throw new IllegalArgumentException("every backend must be a URL string");
            }
            urls.add(n.asText());
        }
        return urls;
    }

    private static Map<String, Object> describe(BackendSet s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backends", s.urls());
        m.put("generation", s.generation());
        return m;
    }

    private boolean authorized(HttpServerExchange ex) {
        if (expectedAuth == null) {
            return true;
        }
        String given = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        return given != null && MessageDigest.isEqual(expectedAuth, given.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean allow(HttpServerExchange ex, String method, String allowed) throws IOException {
        if (method.equals(allowed)) {
            return true;
        }
        ex.getResponseHeaders().put(Headers.ALLOW, allowed);
        reply(ex, StatusCodes.METHOD_NOT_ALLOWED, error("use " + allowed));
        return false;
    }

    private static String param(HttpServerExchange ex, String name) {
        Deque<String> v = ex.getQueryParameters().get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static long longParam(HttpServerExchange ex, String name, long dflt) {
        String v = param(ex, name);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of milliseconds, got: " + v);
        }
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private static void reply(HttpServerExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        ex.getOutputStream().write(bytes);
        ex.endExchange();
    }
}
