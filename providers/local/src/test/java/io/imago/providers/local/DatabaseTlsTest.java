package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.Resource;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local server's port is chosen free and bound a moment later, so a stranger could hold it: every login must
 * go over TLS to the server whose certificate imago made, or not happen at all.
 */
class DatabaseTlsTest {
    @TempDir Path dir;

    @Test
    void connectionsAreTlsCheckedAgainstTheServersOwnCertificateWithChannelBinding() throws Exception {
        Provider p = new LocalProviderFactory().create(new ProviderContext(dir.resolve("local"), Map.of(), m -> {}));
        Resource db = p.database().create(new DatabaseRequest("tls", "15", "small", null, 1));
        try {
            DatabaseCredentials admin = p.database().credentials(db, true);
            assertNotNull(admin.sslRootCert());
            assertTrue(admin.jdbcUrl().contains("sslmode=verify-full") && admin.jdbcUrl().contains("channelBinding=require"), admin.jdbcUrl());
            assertTrue(admin.url().contains("sslmode=verify-full"), "the application's URL asks for a checked server too");
            try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password()); Statement s = c.createStatement()) {
                ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
                assertTrue(rs.next() && rs.getBoolean(1), "the session is TLS");
            }
            String plain = "jdbc:postgresql://" + admin.host() + ":" + admin.port() + "/" + admin.database() + "?sslmode=disable";
            SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(plain, admin.user(), admin.password()));
            assertTrue(refused.getMessage().contains("pg_hba.conf"), refused.getMessage());

            // Another server's certificate is not this one's: the handshake fails before any login.
            Path otherHome = Files.createDirectories(dir.resolve("other"));
            Path otherRoot = ServerCertificate.ensure(otherHome, Files.createDirectories(otherHome.resolve("data")), null);
            DatabaseCredentials wrongTrust = new DatabaseCredentials(admin.host(), admin.port(), admin.database(), admin.user(),
                    admin.password(), otherRoot.toString());
            assertThrows(SQLException.class, () -> DriverManager.getConnection(wrongTrust.jdbcUrl(), wrongTrust.user(), wrongTrust.password()));
        } finally {
            p.database().destroy(db);
        }
    }

    /** An impostor on the port that speaks no TLS and would ask for the password in the clear never gets it. */
    @Test
    void anImpostorOnThePortReceivesNoPassword() throws Exception {
        Path root = ServerCertificate.ensure(Files.createDirectories(dir.resolve("h")), Files.createDirectories(dir.resolve("h/data")), null);
        String password = "s3cret-" + System.nanoTime();
        try (ServerSocket impostor = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> heard = CompletableFuture.supplyAsync(() -> listen(impostor));
            DatabaseCredentials c = new DatabaseCredentials("127.0.0.1", impostor.getLocalPort(), "app", "imago", password, root.toString());
            Properties props = new Properties();
            props.setProperty("user", c.user());
            props.setProperty("password", c.password());
            props.setProperty("loginTimeout", "5");
            assertThrows(SQLException.class, () -> DriverManager.getConnection(c.jdbcUrl(), props));
            String got = new String(heard.get(10, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1);
            assertFalse(got.contains(password), "the impostor heard the password");
        }
    }

    /** Answers the TLS request with "no", then asks for a clear-text password and records what comes back. */
    private static byte[] listen(ServerSocket server) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (Socket s = server.accept()) {
            s.setSoTimeout(3000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n = in.read(buf); // SSLRequest
            all.write(buf, 0, Math.max(n, 0));
            s.getOutputStream().write('N');
            n = in.read(buf); // a startup message, if the client went on without TLS
            if (n > 0) {
                all.write(buf, 0, n);
                s.getOutputStream().write(new byte[] {'R', 0, 0, 0, 8, 0, 0, 0, 3}); // AuthenticationCleartextPassword
                while ((n = in.read(buf)) > 0) {
                    all.write(buf, 0, n);
                }
            }
        } catch (Exception e) {
            // the client hung up: what was heard is what counts
        }
        return all.toByteArray();
    }
}
