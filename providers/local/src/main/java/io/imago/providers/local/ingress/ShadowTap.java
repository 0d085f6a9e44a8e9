package io.imago.providers.local.ingress;

import io.imago.providers.spi.shadow.ShadowResults;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * On the users' path, in front of the proxy: when a shadow comparison runs, notes the writes and offers a copy of a
 * sample of the GET and HEAD requests to the {@link ShadowMirror}; then hands the request on, untouched. Off by default;
 * whatever happens in here, the user's request goes on to the proxy.
 */
final class ShadowTap implements HttpHandler {
    private final HttpHandler next;
    private final SwitchableProxy proxy;
    private final Consumer<String> log;
    private final AtomicReference<ShadowMirror> mirror = new AtomicReference<>();
    private volatile ShadowResults last;

    ShadowTap(SwitchableProxy proxy, Consumer<String> log) {
        this.next = proxy;
        this.proxy = proxy;
        this.log = log;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        ShadowMirror m = mirror.get();
        if (m != null) {
            try {
                observe(m, exchange);
            } catch (RuntimeException e) {
                log.accept("shadow: could not copy a request: " + e); // the user's request goes on regardless
            }
        }
        next.handleRequest(exchange);
    }

    private void observe(ShadowMirror m, HttpServerExchange ex) {
        if (!m.active()) {
            return;
        }
        if (proxy.current().generation() != m.generation()) {
            m.stop("the ingress switched to other backends");
            return;
        }
        String method = ex.getRequestMethod().toString();
        String uri = ex.getRequestURI() + (ex.getQueryString() == null || ex.getQueryString().isEmpty() ? "" : "?" + ex.getQueryString());
        if (!method.equals("GET") && !method.equals("HEAD")) {
            if (!method.equals("OPTIONS")) {
                m.sawWrite(uri);
            }
            return;
        }
        if (!m.pick()) {
            return;
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (HeaderValues hv : ex.getRequestHeaders()) {
            String name = hv.getHeaderName().toString();
            if (ShadowTransport.Jdk.copied(name)) {
                hv.forEach(v -> headers.add(new AbstractMap.SimpleImmutableEntry<>(name, v)));
            }
        }
        m.offer(new ShadowTransport.Copy(method, uri, headers, System.nanoTime()));
    }

    /** Starts a comparison against the backends the ingress points at now, replacing one that runs. */
    void start(ShadowMirror.Settings s) throws InterruptedException {
        BackendSet set = proxy.current();
        if (set.urls().isEmpty()) {
            throw new IllegalArgumentException("the ingress points nowhere: no old universe to compare with");
        }
        ShadowTransport transport = new ShadowTransport.Jdk(java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "shadow-http");
            t.setDaemon(true);
            return t;
        }));
        ShadowMirror m = new ShadowMirror(s, () -> proxy.current().urls(), set.generation(), transport, log);
        ShadowMirror before = mirror.getAndSet(m);
        if (before != null) {
            last = before.finish(Duration.ofSeconds(2));
        }
        log.accept("shadow comparison started: " + (int) Math.round(s.sample() * 100) + "% of GET/HEAD copied to " + s.candidates()
                + " for " + s.duration().toMillis() + " ms");
    }

    /** What the running comparison found so far, or the last one's results; null when none ever ran. */
    ShadowResults results() {
        ShadowMirror m = mirror.get();
        return m != null ? m.results() : last;
    }

    /** Stops the running comparison (waiting a little for copies in flight) and returns its results. */
    ShadowResults stop() throws InterruptedException {
        ShadowMirror m = mirror.getAndSet(null);
        if (m != null) {
            last = m.finish(Duration.ofSeconds(3));
        }
        return last;
    }
}
