package io.imago.providers.local.ingress;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny loopback backend answering its name; {@code /slow} waits 1s first. */
final class TestBackend implements AutoCloseable {
    static {
        // the JDK server writes headers and body apart; without this, Nagle + delayed ACK add ~40ms
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    final String name;
    final HttpServer server;
    final AtomicInteger hits = new AtomicInteger();
    /** Counted down when a {@code /slow} request has arrived. */
    final CountDownLatch slowArrived = new CountDownLatch(1);
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    TestBackend(String name) throws IOException {
        this.name = name;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                hits.incrementAndGet();
                if (ex.getRequestURI().getPath().equals("/slow")) {
                    slowArrived.countDown();
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.setExecutor(pool);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
    }
}
