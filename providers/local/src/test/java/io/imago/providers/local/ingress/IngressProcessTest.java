package io.imago.providers.local.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ingress as the local provider runs it: a process of its own, driven over HTTP. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IngressProcessTest {
    private static final Pattern READY = Pattern.compile("ready port=(\\d+) admin=(\\d+)");

    @TempDir
    Path tmp;

    private Process process;
    private TestBackend a;
    private TestBackend b;

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void runsAsAProcessAndSwitchesOverHttp() throws Exception {
        a = new TestBackend("A");
        b = new TestBackend("B");
        Path token = tmp.resolve("admin-token");
        Files.writeString(token, "t0ken");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                IngressServer.class.getName(),
                "--port", "0", "--admin-port", "0",
                "--backends-file", tmp.resolve("backends.json").toString(),
                "--token-file", token.toString()))
                .redirectError(tmp.resolve("ingress.log").toFile())
                .start();
        process.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String ready = line.get(30, TimeUnit.SECONDS);
        assertNotNull(ready, () -> "no ready line; log: " + log());
        Matcher m = READY.matcher(ready);
        assertTrue(m.matches(), ready);
        int port = Integer.parseInt(m.group(1));
        IngressClient client = new IngressClient(Integer.parseInt(m.group(2)), "t0ken");
        assertTrue(client.healthy());

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(10)).build();
        assertEquals(503, http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode());

        assertEquals(1, client.point(List.of(a.url())));
        assertEquals("A", http.send(get, HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(2, client.point(List.of(b.url())));
        assertEquals("B", http.send(get, HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(List.of(b.url()), client.backends());

        client.shutdown();
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), () -> "still running; log: " + log());
        assertEquals(0, process.exitValue());
        assertTrue(Files.readString(tmp.resolve("backends.json")).contains(b.url()));
    }

    /**
     * Started as the local provider starts it (both ports 0, a ports file): the ports it reports are
     * the ones it listens on, and it really holds them, so nobody else can have them.
     */
    @Test
    void reportsThePortsItBoundInItsPortsFile() throws Exception {
        Path token = tmp.resolve("admin-token");
        Files.writeString(token, "t0ken");
        Path ports = tmp.resolve("ports.json");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(javaBin, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                IngressServer.class.getName(), "--port", "0", "--admin-port", "0",
                "--backends-file", tmp.resolve("backends.json").toString(), "--token-file", token.toString(),
                "--ports-file", ports.toString()))
                .redirectError(tmp.resolve("ingress.log").toFile())
                .redirectOutput(tmp.resolve("ingress.out").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        java.util.Optional<IngressServer.BoundPorts> bound = IngressServer.BoundPorts.read(ports);
        while (bound.isEmpty() && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            bound = IngressServer.BoundPorts.read(ports);
        }
        assertTrue(bound.isPresent(), () -> "no ports file; log: " + log());
        IngressServer.BoundPorts b = bound.get();
        assertEquals(process.pid(), b.pid());
        assertTrue(b.port() > 0 && b.adminPort() > 0 && b.port() != b.adminPort(), b.toString());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(ports)));
        assertFalse(Files.exists(tmp.resolve("ports.json.tmp")));
        // Bound by it: the admin API answers there with the token, the public port answers 503 (no backend),
        // and neither port can be bound by anyone else.
        assertTrue(new IngressClient(b.adminPort(), "t0ken").healthy());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        assertEquals(503, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        for (int p : new int[] {b.port(), b.adminPort()}) {
            assertThrows(java.io.IOException.class, () -> new java.net.ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress()).close(),
                    "port " + p + " is held by the ingress");
        }
        // The same ports as its stdout line says.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(tmp.resolve("ingress.out")).contains("ready") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals("ready port=" + b.port() + " admin=" + b.adminPort(), Files.readString(tmp.resolve("ingress.out")).strip());
    }

    /** In this JVM too: the record it writes matches the listeners' own view. */
    @Test
    void anInProcessServerWritesItsPortsFile() throws Exception {
        Path ports = tmp.resolve("p.json");
        IngressServer s = IngressServer.start(IngressServer.Options.loopback(0, 0).withPortsFile(ports));
        try {
            IngressServer.BoundPorts b = IngressServer.BoundPorts.read(ports).orElseThrow();
            assertEquals(new IngressServer.BoundPorts(s.port(), s.adminPort(), ProcessHandle.current().pid()), b);
        } finally {
            s.stop();
        }
        assertTrue(IngressServer.BoundPorts.read(tmp.resolve("missing.json")).isEmpty());
        Files.writeString(tmp.resolve("half.json"), "{\"port\":12");
        assertTrue(IngressServer.BoundPorts.read(tmp.resolve("half.json")).isEmpty());
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("ingress.log"));
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
