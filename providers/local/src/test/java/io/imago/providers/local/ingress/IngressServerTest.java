package io.imago.providers.local.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngressServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path tmp;

    private TestBackend a;
    private TestBackend b;
    private final List<IngressServer> servers = new ArrayList<>();

    @BeforeEach
    void backends() throws IOException {
        a = new TestBackend("A");
        b = new TestBackend("B");
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        servers.forEach(IngressServer::stop);
        a.close();
        b.close();
    }

    private IngressServer start(IngressServer.Options o) throws IOException {
        IngressServer s = IngressServer.start(o);
        servers.add(s);
        return s;
    }

    private IngressServer start() throws IOException {
        return start(IngressServer.Options.loopback(0, 0));
    }

    private static IngressClient client(IngressServer s) {
        return new IngressClient(s.adminPort(), null);
    }

    private static HttpResponse<String> get(IngressServer s, String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> getAsync(IngressServer s, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(15)).GET().build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answers503WithNoBackend() throws Exception {
        IngressServer s = start();
        HttpResponse<String> r = get(s, "/");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("no backend"), r.body());
        assertEquals(List.of(), client(s).backends());
        assertTrue(client(s).healthy());
    }

    @Test
    void routesToTheBackendItPointsAt() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        assertEquals(1, c.point(List.of(a.url())));
        assertEquals(List.of(a.url()), c.backends());
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = get(s, "/x?i=" + i);
            assertEquals(200, r.statusCode());
            assertEquals("A", r.body());
        }
    }

    @Test
    void afterASwitchEveryNewRequestGoesToTheNewSet() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        assertEquals("A", get(s, "/").body());
        assertEquals(2, c.point(List.of(b.url())));
        for (int i = 0; i < 20; i++) {
            assertEquals("B", get(s, "/").body());
        }
        assertEquals(2, c.point(List.of(b.url())), "pointing at the current set changes nothing");
    }

    @Test
    void aRequestInFlightFinishesOnItsOldBackend() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        CompletableFuture<HttpResponse<String>> slow = getAsync(s, "/slow");
        assertTrue(a.slowArrived.await(5, TimeUnit.SECONDS));
        c.point(List.of(b.url()));
        assertEquals("B", get(s, "/").body());
        HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals("A", r.body());
    }

    @Test
    void switchingUnderLoadFailsNoRequest() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<String> errors = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> load = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                load.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        try {
                            HttpResponse<String> r = get(s, "/load");
                            if (r.statusCode() == 200 && (r.body().equals("A") || r.body().equals("B"))) {
                                ok.incrementAndGet();
                                seen.add(r.body());
                            } else {
                                failures.incrementAndGet();
                                synchronized (errors) {
                                    errors.add(r.statusCode() + " " + r.body());
                                }
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                            synchronized (errors) {
                                errors.add(e.toString());
                            }
                        }
                    }
                    return null;
                }));
            }
            // 20 switches spread over the load: one each time another 50 requests have succeeded
            for (int i = 0; i < 20; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (ok.get() + failures.get() < (i + 1) * 50 && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                c.point(List.of(i % 2 == 0 ? b.url() : a.url()));
            }
            for (Future<?> f : load) {
                f.get(45, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, failures.get(), () -> "failed requests: " + errors.subList(0, Math.min(10, errors.size())));
        assertEquals(1200, ok.get());
        assertEquals(21, s.generation());
        assertEquals(Set.of("A", "B"), seen);
    }

    @Test
    void aPauseAnswersOnceTheRequestsInFlightHaveCompleted() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        CompletableFuture<HttpResponse<String>> slow = getAsync(s, "/slow");
        assertTrue(a.slowArrived.await(5, TimeUnit.SECONDS));
        assertEquals(0, c.pause(Duration.ofSeconds(20), Duration.ofSeconds(10)).inFlight(), "nothing left in flight");
        assertEquals("A", slow.get(2, TimeUnit.SECONDS).body(), "it finished on its backend");
        c.resume();
    }

    @Test
    void pauseHoldsRequestsUntilResume() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        c.pause(Duration.ofSeconds(20));
        CompletableFuture<HttpResponse<String>> held = getAsync(s, "/held");
        Thread.sleep(400);
        assertFalse(held.isDone(), "the request waits while paused");
        assertEquals(0, a.hits.get());
        c.resume();
        HttpResponse<String> r = held.get(5, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals("A", r.body());
        assertEquals("A", get(s, "/").body());
    }

    @Test
    void heldRequestsGoToTheSetPointedAtWithResume() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        c.pause(Duration.ofSeconds(20));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(getAsync(s, "/held"));
        }
        Thread.sleep(300);
        assertTrue(held.stream().noneMatch(CompletableFuture::isDone));
        c.point(List.of(b.url()), true);
        for (CompletableFuture<HttpResponse<String>> f : held) {
            HttpResponse<String> r = f.get(5, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("B", r.body());
        }
        assertEquals(0, a.hits.get());
    }

    @Test
    void aPauseLiftsItselfAtItsTimeout() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        c.pause(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        HttpResponse<String> r = get(s, "/");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(200, r.statusCode());
        assertEquals("A", r.body());
        assertTrue(ms >= 150, "held for " + ms + "ms");
    }

    /**
     * A hold extended by its file (as the switch does before its lasting fence) outlives its own deadline; an extension
     * naming another hold changes nothing; the release lets the held request through and removes the file.
     */
    @Test
    void aHoldExtendedByItsFileOutlivesItsDeadlineAndOnlyThatHold() throws Exception {
        Path file = tmp.resolve("state/backends.json");
        IngressServer s = start(IngressServer.Options.loopback(0, 0).withBackendsFile(file));
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        Path extension = HoldExtension.beside(file);

        String token = c.pause(Duration.ofMillis(300), Duration.ZERO).token();
        HoldExtension.write(extension, "not-" + token, Duration.ofSeconds(20));
        long t0 = System.nanoTime();
        assertEquals(200, get(s, "/").statusCode(), "another hold's extension: released at the deadline");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5000);

        String second = c.pause(Duration.ofMillis(300), Duration.ZERO).token();
        assertFalse(second.equals(token), "each hold has its own token");
        assertEquals(second, c.pause(Duration.ofMillis(300), Duration.ZERO).token(), "the same hold, extended by a call");
        HoldExtension.write(extension, second, Duration.ofSeconds(20));
        CompletableFuture<HttpResponse<String>> held = getAsync(s, "/");
        Thread.sleep(1000);
        assertFalse(held.isDone(), "still held past the 300 ms deadline");
        c.resume();
        assertEquals("A", held.get(10, TimeUnit.SECONDS).body());
        assertFalse(Files.exists(extension), "the release removes the extension");
    }

    @Test
    void theBackendsFileRestoresTheSetAfterARestart() throws Exception {
        Path file = tmp.resolve("state/backends.json");
        IngressServer first = start(IngressServer.Options.loopback(0, 0).withBackendsFile(file));
        client(first).point(List.of(a.url(), b.url()));
        client(first).point(List.of(b.url(), a.url() + "/"));
        assertTrue(Files.exists(file));
        assertFalse(Files.exists(file.resolveSibling("backends.json.tmp")));
        assertTrue(Files.readString(file).contains("\"generation\" : 2"), Files.readString(file));
        first.stop();

        IngressServer second = start(IngressServer.Options.loopback(0, 0).withBackendsFile(file));
        assertEquals(List.of(b.url(), a.url()), client(second).backends());
        assertEquals(2, second.generation());
        Set<String> answers = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = get(second, "/");
            assertEquals(200, r.statusCode());
            answers.add(r.body());
        }
        assertEquals(Set.of("A", "B"), answers);
        assertEquals(3, client(second).point(List.of()));
        assertEquals(503, get(second, "/").statusCode());
    }

    @Test
    void aStagedSwitchChangesNothingUntilThePointThenRecordsTheStagedContent() throws Exception {
        Path file = tmp.resolve("state/backends.json");
        IngressServer first = start(IngressServer.Options.loopback(0, 0).withBackendsFile(file));
        client(first).point(List.of(a.url()));
        client(first).stage(List.of(b.url()));
        Path staged = file.resolveSibling("backends.json.staged");
        assertTrue(Files.exists(staged), "written and synced ahead of the switch");
        assertEquals("A", get(first, "/").body(), "staging switches nothing");
        assertTrue(Files.readString(file).contains("\"generation\" : 1"), Files.readString(file));

        assertEquals(2, client(first).point(List.of(b.url())));
        assertFalse(Files.exists(staged), "renamed into place");
        assertEquals("B", get(first, "/").body());
        first.stop();
        IngressServer second = start(IngressServer.Options.loopback(0, 0).withBackendsFile(file));
        assertEquals(List.of(b.url()), client(second).backends(), "the staged content is what a restart reads");
        assertEquals(2, second.generation());

        client(second).stage(List.of(a.url()));
        assertEquals(3, client(second).point(List.of(a.url(), b.url())), "a point elsewhere than staged writes its own record");
        second.stop();
        IngressServer third = start(IngressServer.Options.loopback(0, 0).withBackendsFile(file));
        assertEquals(List.of(a.url(), b.url()), client(third).backends());
    }

    @Test
    void theAdminTokenIsEnforcedWhenConfigured() throws Exception {
        Path token = tmp.resolve("admin-token");
        Files.writeString(token, "s3cret\n");
        IngressServer s = start(IngressServer.Options.loopback(0, 0).withTokenFile(token));
        IngressException e = assertThrows(IngressException.class, () -> new IngressClient(s.adminPort(), null).backends());
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertThrows(IngressException.class, () -> new IngressClient(s.adminPort(), "wrong").point(List.of(a.url())));
        assertFalse(new IngressClient(s.adminPort(), null).healthy());
        assertEquals(503, get(s, "/").statusCode(), "the refused call changed nothing");

        IngressClient c = new IngressClient(s.adminPort(), "s3cret");
        assertTrue(c.healthy());
        assertEquals(1, c.point(List.of(a.url())));
        assertEquals("A", get(s, "/").body());
    }

    @Test
    void badCallsAreRefusedAndChangeNothing() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.point(List.of(a.url()));
        IngressException e = assertThrows(IngressException.class, () -> c.point(List.of("ftp://127.0.0.1:21")));
        assertTrue(e.getMessage().contains("400"), e.getMessage());
        assertThrows(IngressException.class, () -> c.point(List.of("http://127.0.0.1")));
        assertEquals(List.of(a.url()), c.backends());
        assertEquals(1, s.generation());
        assertEquals("A", get(s, "/").body());
    }

    @Test
    void shutdownStopsTheServer() throws Exception {
        IngressServer s = start();
        IngressClient c = client(s);
        c.shutdown();
        s.awaitStopped();
        assertFalse(c.healthy());
        c.shutdown(); // already gone: no error
    }

    @Test
    void optionsAreParsed() {
        IngressServer.Options o = IngressServer.Options.parse("--port", "8000", "--admin-port", "0",
                "--backends-file", "b.json", "--token-file", "t");
        assertEquals("127.0.0.1", o.host());
        assertEquals(8000, o.port());
        assertEquals(Path.of("b.json"), o.backendsFile());
        assertThrows(IllegalArgumentException.class, () -> IngressServer.Options.parse("--port", "8000"));
        assertThrows(IllegalArgumentException.class, () -> IngressServer.Options.parse("--port", "x", "--admin-port", "1"));
        assertThrows(IllegalArgumentException.class, () -> IngressServer.Options.parse("--nope", "1"));
        assertEquals(List.of("http://127.0.0.1:9001", "http://localhost:9002"),
                BackendSet.normalize(List.of("http://127.0.0.1:9001/", "http://localhost:9002", "http://127.0.0.1:9001")));
    }
}
