package io.imago.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A moto server (the AWS API emulator) on 127.0.0.1, on a port it picks itself, for one test class: start it in
 * {@code @BeforeAll}, close it in {@code @AfterAll}. moto is installed into the repository's {@code .venv} by
 * {@code bin/moto-venv} the first time it is needed (CI installs it up front). Nothing here touches a real cloud:
 * the credentials are moto's fake ones and every endpoint is loopback.
 */
public final class MotoServer implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "testing";
    public static final String SECRET_KEY = "testing";
    private static final Pattern LISTENING = Pattern.compile("Running on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final int port;

    private MotoServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Set to an emulator already running on loopback (LocalStack, say: {@code http://127.0.0.1:4566}), the tests use it
     * instead of starting moto. Never a remote address: tests touch only loopback.
     */
    public static final String EXTERNAL_ENDPOINT = "IMAGO_TEST_AWS_ENDPOINT";

    public static MotoServer start() {
        String external = System.getenv(EXTERNAL_ENDPOINT);
        if (external != null && !external.isBlank()) {
            URI u = URI.create(external.trim());
            if (!"127.0.0.1".equals(u.getHost()) && !"localhost".equals(u.getHost())) {
                throw new IllegalStateException(EXTERNAL_ENDPOINT + " must be on loopback (127.0.0.1), not " + u.getHost());
            }
            return new MotoServer(null, u.getPort());
        }
        Path server = install();
        ProcessBuilder pb = new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", "0");
        pb.redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        try {
            Process p = pb.start();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread reader = new Thread(() -> drain(p, port), "moto-output");
            reader.setDaemon(true);
            reader.start();
            try {
                return new MotoServer(p, port.get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                p.destroyForcibly();
                throw new IllegalStateException("moto server did not start within 60 s", e);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + server, e);
        }
    }

    /** The endpoint every AWS client of the test points at ({@code AWS_ENDPOINT_URL}). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /**
     * The variables a child {@code imago} process needs to reach this server and nothing else: endpoint, fake
     * credentials, region, and no shared config files that could name a real account.
     */
    public Map<String, String> environment() {
        return Map.of(
                "AWS_ENDPOINT_URL", endpoint().toString(),
                "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                "AWS_REGION", REGION,
                "AWS_CONFIG_FILE", "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
                "AWS_EC2_METADATA_DISABLED", "true");
    }

    /**
     * Points AWS SDK clients built in this JVM at the server, through the SDK's system properties (the same
     * settings as {@link #environment()}); {@link #close()} clears them.
     */
    public MotoServer useInThisJvm() {
        System.setProperty("aws.endpointUrl", endpoint().toString());
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        System.setProperty("aws.region", REGION);
        System.setProperty("aws.disableEc2Metadata", "true");
        return this;
    }

    /** Forgets every resource moto holds, between tests of one class (an external emulator is left as it is). */
    public void reset() {
        if (process == null) {
            return;
        }
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(endpoint().resolve("/moto-api/reset"))
                            .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("moto reset answered " + r.statusCode());
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("moto reset failed", e);
        }
    }

    /** Stops the server (it stops by itself with the JVM too: its stdin is ours). */
    public void stop() {
        if (process == null) {
            return; // an emulator the test did not start
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean running() {
        return process == null || process.isAlive();
    }

    @Override
    public void close() {
        stop();
        for (String p : List.of("aws.endpointUrl", "aws.accessKeyId", "aws.secretAccessKey", "aws.region",
                "aws.disableEc2Metadata")) {
            System.clearProperty(p);
        }
    }

    private static void drain(Process p, CompletableFuture<Integer> port) {
        List<String> seen = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!port.isDone()) {
                    seen.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
        port.completeExceptionally(new IllegalStateException("moto server exited: " + String.join("\n", seen)));
    }

    /** The moto_server of the repository's .venv, installed by bin/moto-venv when missing. */
    static Path install() {
        Path root = repositoryRoot();
        Path server = root.resolve(".venv/bin/moto_server");
        try {
            Process p = new ProcessBuilder(root.resolve("bin/moto-venv").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("bin/moto-venv failed (exit " + p.exitValue() + ")");
            }
            return out.isEmpty() ? server : Path.of(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run bin/moto-venv", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted installing moto", e);
        }
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/moto-venv"))) {
                return p;
            }
        }
        throw new IllegalStateException("bin/moto-venv not found above " + Path.of("").toAbsolutePath());
    }
}
