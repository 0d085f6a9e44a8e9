package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.Resource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local provider against the real thing: a PostgreSQL server, processes, an HTTP proxy. */
class LocalProviderTest {
    @TempDir Path dir;

    private Provider provider() {
        return new LocalProviderFactory().create(new ProviderContext(dir.resolve("local"), Map.of(), m -> {}));
    }

    @Test
    void databaseIsARealServerWithLogicalDecodingAndAnUnprivilegedAppRole() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(new DatabaseRequest("u1", "15", "small", null, 1));
        try {
            assertTrue(p.database().alive(db));
            DatabaseCredentials admin = p.database().credentials(db, true);
            DatabaseCredentials app = p.database().credentials(db, false);
            assertFalse(admin.toString().contains(admin.password()), "credentials must not print their password");
            try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password()); Statement s = c.createStatement()) {
                ResultSet rs = s.executeQuery("SHOW wal_level");
                rs.next();
                assertEquals("logical", rs.getString(1));
                s.execute("CREATE TABLE t (id int primary key)");
            }
            try (Connection c = DriverManager.getConnection(app.jdbcUrl(), app.user(), app.password()); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (1)");
                assertThrows(SQLException.class, () -> s.execute("CREATE TABLE mine (id int)"), "the app role must not own tables");
            }
            assertThrows(SQLException.class, () -> DriverManager.getConnection(app.jdbcUrl(), app.user(), "wrong"));
            // idempotent: the same name gives the same server
            Resource again = p.database().create(new DatabaseRequest("u1", "15", "small", null, 1));
            assertEquals(p.database().credentials(db, true).port(), p.database().credentials(again, true).port());
            assertEquals(1, p.database().list("u1").size());
        } finally {
            p.database().destroy(db);
        }
        assertFalse(p.database().alive(db));
        assertEquals(List.of(), p.database().list("u1"));
    }

    @Test
    void instancesRunTheCommandWithPortAndEnvAndIngressSwitchesBetweenThem() throws Exception {
        Provider p = provider();
        Path script = dir.resolve("serve.py");
        Files.writeString(script, """
                import http.server, os
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        body = (os.environ['IMAGO_INSTANCE'] + ' ' + os.environ['GREETING']).encode()
                        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *a): pass
                http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()
                """);
        List<String> cmd = List.of("python3", script.toString());
        Resource a = p.compute().create(new InstanceRequest("u2", "web", 0, "small", null, null, cmd, dir, null, Map.of("GREETING", "hello")));
        Resource b = p.compute().create(new InstanceRequest("u3", "web", 0, "small", null, null, cmd, dir, null, Map.of("GREETING", "bonjour")));
        Resource ingress = p.ingress().create(new IngressRequest("shop", "loadBalancer", null));
        try {
            waitHealthy(p, a);
            waitHealthy(p, b);
            assertEquals(a.attr("pid"), p.compute().create(new InstanceRequest("u2", "web", 0, "small", null, null, cmd, dir, null,
                    Map.of("GREETING", "hello"))).attr("pid"), "create is idempotent");
            p.ingress().point(ingress, List.of(p.compute().endpoint(a)));
            assertEquals("u2-web-0 hello", get(p.ingress().url(ingress)));
            p.ingress().point(ingress, List.of(p.compute().endpoint(b)));
            assertEquals("u3-web-0 bonjour", get(p.ingress().url(ingress)));
            assertEquals(List.of(p.compute().endpoint(b)), p.ingress().target(ingress));
        } finally {
            p.compute().destroy(a);
            p.compute().destroy(b);
            p.ingress().destroy(ingress);
        }
        assertFalse(p.compute().alive(a));
        assertFalse(p.ingress().alive(ingress));
        assertEquals(List.of(), p.compute().list("u2"));
    }

    private static void waitHealthy(Provider p, Resource r) throws InterruptedException {
        for (int i = 0; i < 100 && !p.compute().healthy(r, "/"); i++) {
            Thread.sleep(100);
        }
        assertTrue(p.compute().healthy(r, "/"));
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}
