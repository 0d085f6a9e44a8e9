package io.imago.providers.local.ingress;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.xnio.OptionMap;
import org.xnio.Options;

/**
 * One immutable backend set and the proxy built for exactly that set. A switch builds a new set
 * and replaces the old one whole; requests already inside the old proxy finish on the old
 * backends. Idle connections of a set that is no longer current close after {@link #IDLE_TTL_MS}.
 */
final class BackendSet implements HttpHandler {
    static final int MAX_BACKENDS = 256;
    /** Idle pooled connections close after this; below typical backend keep-alive timeouts. */
    static final int IDLE_TTL_MS = 4_000;

    private static final HttpHandler NO_BACKENDS = text(StatusCodes.SERVICE_UNAVAILABLE,
            "no backend: the ingress points nowhere yet\n");
    private static final HttpHandler NONE_AVAILABLE = text(StatusCodes.SERVICE_UNAVAILABLE,
            "no backend available\n");

    /** Small requests and answers must not wait for Nagle's algorithm. */
    private static final OptionMap BACKEND_SOCKET = OptionMap.create(Options.TCP_NODELAY, true);

    private final long generation;
    private final List<String> urls;
    private final HttpHandler handler;

    private BackendSet(long generation, List<String> urls, HttpHandler handler) {
        this.generation = generation;
        this.urls = urls;
        this.handler = handler;
    }

    /** A set over already normalized URLs (see {@link #normalize}). */
    static BackendSet of(long generation, List<String> urls) {
        if (urls.isEmpty()) {
            return new BackendSet(generation, List.of(), NO_BACKENDS);
        }
        LoadBalancingProxyClient client = new LoadBalancingProxyClient()
                .setConnectionsPerThread(32)
                .setMaxQueueSize(1024)
                .setSoftMaxConnectionsPerThread(0)
                .setTtl(IDLE_TTL_MS)
                .setProblemServerRetry(2);
        for (String url : urls) {
            client.addHost(URI.create(url), null, null, BACKEND_SOCKET);
        }
        HttpHandler proxy = ProxyHandler.builder()
                .setProxyClient(client)
                .setMaxConnectionRetries(2)
                .setRewriteHostHeader(false)
                .setReuseXForwarded(false)
                .setNext(NONE_AVAILABLE)
                .build();
        return new BackendSet(generation, List.copyOf(urls), proxy);
    }

    /**
     * Checks and normalizes backend URLs to {@code http://host:port}, dropping duplicates.
     *
     * @throws IllegalArgumentException naming the first bad URL
     */
    static List<String> normalize(List<String> given) {
        if (given.size() > MAX_BACKENDS) {
            throw new IllegalArgumentException("at most " + MAX_BACKENDS + " backends, got " + given.size());
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : given) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException("a backend URL is empty");
            }
            URI u;
            try {
                u = new URI(s.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a URL: " + s);
            }
            if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getPort() <= 0
                    || u.getPort() > 65535) {
                throw new IllegalArgumentException("a backend must look like http://host:port, got: " + s);
            }
            if ((u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))
                    || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                throw new IllegalArgumentException("a backend URL has no path, query or user: " + s);
            }
            out.add("http://" + u.getHost() + ":" + u.getPort());
        }
        return List.copyOf(new ArrayList<>(out));
    }

    long generation() {
        return generation;
    }

    List<String> urls() {
        return urls;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        handler.handleRequest(exchange);
    }

    private static HttpHandler text(int status, String body) {
        return exchange -> {
            exchange.setStatusCode(status);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            exchange.getResponseSender().send(body);
        };
    }
}
