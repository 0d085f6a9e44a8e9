package io.imago.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP proxy on 127.0.0.1 in front of an AWS API emulator ({@link MotoServer}) that answers a share of the calls
 * itself with the failures AWS answers under load: a bare {@code 503 Service Unavailable}, or a throttling error in
 * the calling service's own protocol (EC2's {@code RequestLimitExceeded}, the query services' and Route 53's
 * {@code Throttling}, the JSON services' {@code ThrottlingException}), so that the SDK parses it as it would a real
 * one. Every other call is forwarded unchanged. It also records each call's action (the query {@code Action}, the
 * JSON {@code X-Amz-Target}, or method and path), so tests can count calls, e.g. that a switch made exactly one
 * ModifyListener.
 *
 * <p>Faults are deterministic: with {@code failEvery = n}, the first call and every n-th one after it fail (calls 1,
 * n+1, 2n+1, ...), taking the {@link Fault} kinds in turn; {@code failEvery = 1} fails every call, 0 none.
 * Point a client at {@link #endpoint()} ({@code AWS_ENDPOINT_URL}) instead of the emulator's.
 */
public final class FaultInjectingProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");
    private static final Pattern ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z0-9]+)");

    private final URI target;
    private final HttpServer server;
    private final ExecutorService pool;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger faults = new AtomicInteger();
    private final List<String> actions = Collections.synchronizedList(new ArrayList<>());
    private final List<String> forwardedActions = Collections.synchronizedList(new ArrayList<>());
    private volatile int failEvery;
    private volatile boolean down;
    private volatile List<Fault> kinds = List.of(Fault.UNAVAILABLE, Fault.THROTTLING);

    /** The failures it answers with, in turn. */
    public enum Fault {
        /** A bare 503: a 5xx the SDK retries with its short backoff. */
        UNAVAILABLE,
        /** The service's throttling error: the SDK retries it with its longer throttling backoff. */
        THROTTLING
    }

    private FaultInjectingProxy(URI target, int failEvery) throws IOException {
        this.target = target;
        this.failEvery = failEvery;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** @param failEvery 0: forward everything; n: answer every n-th call with a fault */
    public static FaultInjectingProxy start(URI target, int failEvery) {
        try {
            return new FaultInjectingProxy(target, failEvery);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fault-injecting proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * While down, every call is answered 503 and nothing reaches the emulator: the API is unreachable, as in an
     * outage, while the emulator keeps what it holds for when the proxy is up again.
     */
    public void down(boolean down) {
        this.down = down;
    }

    public void failEvery(int n) {
        this.failEvery = n;
    }

    /** The failures to answer with, in turn (both, by default). */
    public void faults(Fault... kinds) {
        this.kinds = List.of(kinds);
    }

    /** Calls received, faults answered. */
    public int calls() {
        return calls.get();
    }

    public int faults() {
        return faults.get();
    }

    /** The action of every call received, in order (faulted ones included). */
    public List<String> actions() {
        synchronized (actions) {
            return List.copyOf(actions);
        }
    }

    /** How many calls named {@code action} were received (a retried call counts each time). */
    public long count(String action) {
        return actions().stream().filter(action::equals).count();
    }

    /** How many calls named {@code action} were forwarded to the emulator (faulted attempts left out). */
    public long forwarded(String action) {
        synchronized (forwardedActions) {
            return forwardedActions.stream().filter(action::equals).count();
        }
    }

    public void clear() {
        actions.clear();
        forwardedActions.clear();
        calls.set(0);
        faults.set(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String action = action(ex, body);
            int n = calls.getAndIncrement();
            actions.add(action);
            if (down) {
                faults.incrementAndGet();
                reply(ex, 503, "text/plain", new byte[0]);
                return;
            }
            int every = failEvery;
            if (every > 0 && n % every == 0) {
                int k = faults.getAndIncrement();
                List<Fault> now = kinds;
                if (now.get(k % now.size()) == Fault.UNAVAILABLE) {
                    reply(ex, 503, "text/plain", new byte[0]);
                } else {
                    throttle(ex, body);
                }
                return;
            }
            forwardedActions.add(action);
            forward(ex, body);
        }
    }

    private static String action(HttpExchange ex, byte[] body) {
        String amzTarget = ex.getRequestHeaders().getFirst("X-Amz-Target");
        if (amzTarget != null) {
            return amzTarget.substring(amzTarget.indexOf('.') + 1);
        }
        String query = ex.getRequestURI().getRawQuery();
        for (String s : new String[] {new String(body, StandardCharsets.UTF_8), query == null ? "" : query}) {
            Matcher m = ACTION.matcher(s);
            if (m.find()) {
                return m.group(1);
            }
        }
        return ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
    }

    private void throttle(HttpExchange ex, byte[] body) throws IOException {
        String requestId = UUID.randomUUID().toString();
        String contentType = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")).toLowerCase(Locale.ROOT);
        String form = new String(body, StandardCharsets.UTF_8);
        if (contentType.contains("json")) {
            ex.getResponseHeaders().add("x-amzn-RequestId", requestId);
            reply(ex, 400, "application/x-amz-json-1.1",
                    "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}".getBytes(StandardCharsets.UTF_8));
        } else if (form.contains("Version=2016-11-15")) {
            reply(ex, 503, "text/xml", ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                    + "<Message>Request limit exceeded.</Message></Error></Errors><RequestID>" + requestId + "</RequestID></Response>")
                    .getBytes(StandardCharsets.UTF_8));
        } else {
            reply(ex, 400, "text/xml", ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Type>Sender</Type>"
                    + "<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>" + requestId + "</RequestId></ErrorResponse>")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private void forward(HttpExchange ex, byte[] body) throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(target.resolve(ex.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(60))
                .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                h.getValue().forEach(v -> req.header(h.getKey(), v));
            }
        }
        HttpResponse<InputStream> res;
        try {
            res = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(ex, 502, "text/plain", new byte[0]);
            return;
        }
        byte[] answer;
        try (InputStream in = res.body()) {
            answer = in.readAllBytes();
        }
        res.headers().map().forEach((k, vs) -> {
            if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.equals(":status")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
            }
        });
        ex.sendResponseHeaders(res.statusCode(), answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    private static void reply(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
