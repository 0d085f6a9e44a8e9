package io.imago.providers.local;

import io.imago.providers.spi.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The TLS identity of a local PostgreSQL server: a self-signed certificate for 127.0.0.1 whose private key
 * never leaves the data folder (readable by the server's user only), and a copy of the certificate beside it
 * that clients trust as the only root ({@code sslmode=verify-full}). Why: the server's port is chosen free and
 * bound a moment later by PostgreSQL (which cannot bind port 0 and report it), so another local user could
 * take the port first; with the certificate checked, an impostor fails the handshake before anyone logs in,
 * and with {@code channelBinding=require} a login can be neither downgraded to a clear-text password nor
 * relayed.
 *
 * <p>Made with the JDK's own keytool (no OpenSSL needed), then written as PEM, which PostgreSQL reads.
 */
final class ServerCertificate {
    static final String CERT = "server.crt";
    static final String KEY = "server.key";
    /** In the server's home, outside the data folder: what clients trust. */
    static final String ROOT = "root.crt";

    private ServerCertificate() {}

    /** A certificate and its private key, as PEM; the key is only ever held in memory and in the data folder. */
    record Pair(String certificate, String privateKey) {
        @Override
        public String toString() {
            return "ServerCertificate.Pair[certificate]";
        }
    }

    /** The certificate clients should trust; made (once) when the data folder has none. */
    static Path ensure(Path home, Path data, String runAs) {
        Path root = home.resolve(ROOT);
        if (Files.exists(data.resolve(CERT)) && Files.exists(data.resolve(KEY)) && Files.exists(root)) {
            return root;
        }
        return install(make(home), home, data, runAs);
    }

    /**
     * A fresh pair, made with keytool in {@code home} (a folder only its owner reads). It touches no data folder, so a
     * new server's is made while initdb runs: a keytool run is a JVM start, about as long as initdb itself.
     */
    static Pair make(Path home) {
        Path store = home.resolve("tls-" + Long.toHexString(new SecureRandom().nextLong()) + ".p12.tmp");
        String pass = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        try {
            // EC P-256: made in milliseconds where an RSA key takes up to a second, and taken by PostgreSQL and the JDK alike.
            // The store's password goes through the environment, not the command line every local user can read.
            PgCommands.Result made = PgCommands.exec(List.of(keytool(), "-genkeypair", "-noprompt", "-alias", "server", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650", "-dname", "CN=127.0.0.1, O=imago local provider",
                    "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass:env", "IMAGO_TLS_STORE_PASS", "-keypass:env", "IMAGO_TLS_STORE_PASS"),
                    java.util.Map.of("IMAGO_TLS_STORE_PASS", pass), home, Duration.ofMinutes(1));
            if (made.code() != 0) {
                throw new LocalProviderException("keytool failed: " + made.output().strip());
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, pass.toCharArray());
            }
            return new Pair(pem("CERTIFICATE", ks.getCertificate("server").getEncoded()),
                    pem("PRIVATE KEY", ks.getKey("server", pass.toCharArray()).getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new LocalProviderException("cannot make the TLS certificate of the server in " + home + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(store);
            } catch (IOException ignored) {
                // it lived in a folder only its owner reads
            }
        }
    }

    /** Writes the pair into the data folder and the trusted copy beside it; returns the trusted copy. */
    static Path install(Pair pair, Path home, Path data, String runAs) {
        Path root = home.resolve(ROOT);
        try {
            // The trusted copy goes first and comes back last: a run killed in between leaves it missing, so
            // the next start makes a fresh pair rather than serve a key that does not match its certificate.
            Files.deleteIfExists(root);
            writePrivate(data.resolve(KEY), pair.privateKey(), runAs);
            writeAtomically(data.resolve(CERT), pair.certificate(), runAs);
            writeAtomically(root, pair.certificate(), null);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String keytool() {
        Path java = Path.of(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        Path beside = java.resolveSibling("keytool");
        return Files.isExecutable(beside) ? beside.toString() : Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** PostgreSQL refuses a key others can read: 0600 from the first byte, owned by the server's user. */
    private static void writePrivate(Path p, String content, String runAs) throws IOException {
        DurableFiles.replace(p, content.getBytes(StandardCharsets.UTF_8), true, tmp -> PgCommands.chown(tmp, runAs));
    }

    private static void writeAtomically(Path p, String content, String runAs) throws IOException {
        DurableFiles.replace(p, content.getBytes(StandardCharsets.UTF_8), false, tmp -> PgCommands.chown(tmp, runAs));
    }
}
