package io.imago.providers.local.ingress;

import io.imago.providers.spi.shadow.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;

/** Sends the shadow's copies of a request: its own client and threads, never the users' connections. */
interface ShadowTransport {
    /** A copy of a user's request: method, URI with query, and the end-to-end headers to send with it. */
    record Copy(String method, String uri, List<Map.Entry<String, String>> headers, long atNanos) {}

    /** An answer and how long it took, from sending to the last byte of the body. */
    record Timed(Answer answer, long nanos) {}

    CompletableFuture<Timed> send(String baseUrl, Copy copy);

    default void close() {}

    /** The JDK's HTTP client, HTTP/1.1, bodies read up to {@link #MAX_BODY} (a longer one is cut: it compares as cut). */
    final class Jdk implements ShadowTransport {
        static final int MAX_BODY = 1 << 20;
        static final Duration TIMEOUT = Duration.ofSeconds(10);
        /** Hop-by-hop headers, and those the client sets itself; Accept-Encoding is left out so bodies come plain. */
        private static final Set<String> NOT_COPIED = Set.of("connection", "keep-alive", "transfer-encoding", "te", "trailer",
                "upgrade", "host", "content-length", "expect", "accept-encoding", "proxy-authorization", "proxy-connection");

        private final HttpClient client;
        private final ExecutorService executor;

        Jdk(ExecutorService executor) {
            this.executor = executor;
            this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
                    .executor(executor).build();
        }

        static boolean copied(String header) {
            return !NOT_COPIED.contains(header.toLowerCase(Locale.ROOT));
        }

        @Override
        public CompletableFuture<Timed> send(String baseUrl, Copy copy) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + copy.uri())).timeout(TIMEOUT)
                    .method(copy.method(), HttpRequest.BodyPublishers.noBody());
            for (Map.Entry<String, String> h : copy.headers()) {
                try {
                    b.header(h.getKey(), h.getValue());
                } catch (IllegalArgumentException restricted) {
                    // a header the JDK client will not send: left out
                }
            }
            b.header("X-Imago-Shadow", "1");
            long t0 = System.nanoTime();
            return client.sendAsync(b.build(), info -> new Capped(MAX_BODY))
                    .handle((r, e) -> {
                        long took = System.nanoTime() - t0;
                        if (e != null) {
                            return new Timed(Answer.NONE, took);
                        }
                        Map<String, String> headers = new TreeMap<>();
                        r.headers().map().forEach((k, v) -> headers.put(k, String.join(",", v)));
                        return new Timed(new Answer(r.statusCode(), headers, r.body()), took);
                    });
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    /** Reads a body up to a limit, then stops reading (the connection is dropped, the answer kept as cut). */
    final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        private final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Capped(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return done;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer bb : items) {
                int n = Math.min(bb.remaining(), max - buf.size());
                byte[] chunk = new byte[n];
                bb.get(chunk);
                buf.write(chunk, 0, n);
            }
            if (buf.size() >= max && !done.isDone()) {
                subscription.cancel();
                done.complete(buf.toByteArray());
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(buf.toByteArray());
        }
    }
}
