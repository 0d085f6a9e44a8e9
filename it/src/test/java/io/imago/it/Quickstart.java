package io.imago.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.local.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A private copy of examples/quickstart in a temp folder: the same blueprints, schema and seed,
 * with the ingress on a free port and the app jar referenced where the build put it.
 */
final class Quickstart {
    static final Path SOURCE = Path.of(System.getProperty("imago.quickstart", "../examples/quickstart")).toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    final Path dir;
    final int port;
    /** Environment of every imago run, besides the test's own (e.g. IMAGO_SECRET_* for secret references). */
    final java.util.Map<String, String> env = new java.util.HashMap<>();

    Quickstart(Path dir) {
        this.dir = dir;
        this.port = FreePorts.pick();
        try (Stream<Path> files = Files.list(SOURCE)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                String text = Files.readString(f);
                if (name.endsWith(".yml")) {
                    text = text.replace("port: 8000", "port: " + port)
                            .replace("app/target/shop-app.jar", SOURCE.resolve("app/target/shop-app.jar").toString());
                }
                Files.writeString(dir.resolve(name), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path v1() {
        return dir.resolve("shop-v1.yml");
    }

    Path v2() {
        return dir.resolve("shop-v2.yml");
    }

    Cli.Result imago(String... args) {
        return Cli.run(dir, env, args);
    }

    JsonNode status() {
        Cli.Result r = imago("status", "--output", "json");
        if (r.code() != 0) {
            throw new AssertionError("status failed: " + r);
        }
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("status is not JSON: " + r, e);
        }
    }

    JsonNode universe(String name) {
        for (JsonNode u : status().get("universes")) {
            if (u.get("name").asText().equals(name)) {
                return u;
            }
        }
        return null;
    }

    /** An owner connection to a universe's database, with the password from the local secret store. */
    Connection db(String universe) throws SQLException {
        return connect(universe, "imago");
    }

    /** A connection as the application's role (the one a write fence stops). */
    Connection appDb(String universe) throws SQLException {
        return connect(universe, "app");
    }

    private Connection connect(String universe, String role) throws SQLException {
        URI url = URI.create(universe(universe).get("database").get("url").asText());
        String password;
        try {
            password = JSON.readTree(dir.resolve(".imago/providers/local/_secrets/" + universe + ".json").toFile()).get(role).asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath(), role, password);
    }

    /** Destroys both shop universes and checks that nothing of theirs still runs. */
    void destroyAllAndCheckNothingLeft() {
        imago("destroy", "shop-v2", "--yes");
        imago("destroy", "shop-v1", "--yes");
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), Leaks.processesUnder(dir), "processes left behind");
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
