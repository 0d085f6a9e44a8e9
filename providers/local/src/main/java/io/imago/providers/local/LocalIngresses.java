package io.imago.providers.local;

import io.imago.providers.local.ingress.IngressClient;
import io.imago.providers.local.ingress.IngressServer;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ingress is an embedded reverse proxy process ({@link IngressServer}) listening on the
 * blueprint's port; the switch is one call to its loopback admin endpoint, which swaps the whole
 * backend set atomically. Ingresses outlive universes, so they are tagged under {@code _ingress}.
 */
final class LocalIngresses implements IngressService {
    static final String KIND = "ingress";
    private static final String OWNER = "_ingress";
    private final Tags tags;

    LocalIngresses(Tags tags) {
        this.tags = tags;
    }

    @Override
    public Resource create(IngressRequest req) {
        if ("dns".equals(req.type())) {
            throw new LocalProviderException("the local provider has no DNS: use ingress type loadBalancer");
        }
        Optional<Map<String, String>> existing = tags.read(OWNER, KIND, req.name());
        if (existing.isPresent()) {
            Resource r = new Resource(KIND, req.name(), existing.get());
            ensureRunning(r);
            return r;
        }
        int port = req.port() != null ? req.port() : Processes.freePort();
        Path dir = tags.folder(OWNER, KIND).resolve(req.name());
        Tags.mkdirs(dir);
        Map<String, String> attrs = Map.of(
                "port", Integer.toString(port),
                "adminPort", Integer.toString(Processes.freePort()),
                "dir", dir.toString(),
                "name", req.name());
        Resource r = new Resource(KIND, req.name(), attrs);
        return start(r);
    }

    private Resource start(Resource r) {
        int port = Integer.parseInt(r.attr("port"));
        if (!Processes.portFree(port)) {
            throw new LocalProviderException("port " + port + " is in use by another program: choose another ingress port");
        }
        int adminPort = Integer.parseInt(r.attr("adminPort"));
        if (!Processes.portFree(adminPort)) {
            adminPort = Processes.freePort();
        }
        Path dir = Path.of(r.attr("dir"));
        Path token = dir.resolve("admin-token");
        writeTokenOnce(token);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                IngressServer.class.getName(),
                "--port", Integer.toString(port),
                "--admin-port", Integer.toString(adminPort),
                "--backends-file", dir.resolve("backends.json").toString(),
                "--token-file", token.toString());
        ProcessHandle h = Processes.spawnDetached(cmd, dir, Map.of(), dir.resolve("ingress.log"));
        Map<String, String> attrs = new java.util.TreeMap<>(r.attrs());
        attrs.put("pid", Long.toString(h.pid()));
        attrs.put("start", Processes.startOf(h));
        attrs.put("adminPort", Integer.toString(adminPort));
        tags.write(OWNER, KIND, r.id(), attrs);
        Resource started = new Resource(KIND, r.id(), attrs);
        IngressClient client = client(started);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!client.healthy()) {
            if (!h.isAlive()) {
                throw new LocalProviderException("the ingress on port " + port + " exited at start; see " + dir.resolve("ingress.log"));
            }
            if (System.nanoTime() > deadline) {
                throw new LocalProviderException("the ingress on port " + port + " did not start in 30s; see " + dir.resolve("ingress.log"));
            }
            Processes.sleep(100);
        }
        return started;
    }

    @Override
    public void point(Resource ingress, List<Endpoint> backends) {
        client(ingress).point(backends.stream().map(Endpoint::url).toList());
    }

    @Override
    public List<Endpoint> target(Resource ingress) {
        return client(ingress).backends().stream().map(u -> {
            URI uri = URI.create(u);
            return new Endpoint(uri.getHost(), uri.getPort());
        }).toList();
    }

    @Override
    public String url(Resource ingress) {
        return "http://127.0.0.1:" + ingress.attr("port");
    }

    @Override
    public void destroy(Resource given) {
        Resource ingress = current(given);
        Processes.find(ingress.attr("pid"), ingress.attr("start")).ifPresent(h -> Processes.stop(h, Duration.ofSeconds(5)));
        tags.delete(OWNER, KIND, ingress.id());
        deleteTree(Path.of(ingress.attr("dir")));
    }

    @Override
    public boolean alive(Resource given) {
        Resource ingress = current(given);
        return Processes.find(ingress.attr("pid"), ingress.attr("start")).isPresent();
    }

    @Override
    public void ensureRunning(Resource ingress) {
        if (!alive(ingress)) {
            start(current(ingress));
        }
    }

    @Override
    public void hold(Resource ingress, Duration max) {
        // Requests in flight get half the pause, at most a second, to finish on the old backends.
        Duration drain = max.dividedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : max.dividedBy(2);
        client(ingress).pause(max, drain);
    }

    @Override
    public void pointAndRelease(Resource ingress, List<Endpoint> backends) {
        client(ingress).point(backends.stream().map(Endpoint::url).toList(), true);
    }

    @Override
    public void release(Resource ingress) {
        client(ingress).resume();
    }

    /** The admin client, for holding requests during a switch. */
    IngressClient client(Resource ingress) {
        Resource current = current(ingress);
        String token;
        try {
            token = Files.readString(Path.of(current.attr("dir")).resolve("admin-token")).trim();
        } catch (IOException e) {
            token = null;
        }
        return new IngressClient(Integer.parseInt(current.attr("adminPort")), token);
    }

    /** The tag is the truth: a restart changes the pid and may change the admin port. */
    private Resource current(Resource r) {
        return tags.read(OWNER, KIND, r.id()).map(a -> new Resource(KIND, r.id(), a)).orElse(r);
    }

    private static void writeTokenOnce(Path token) {
        if (Files.exists(token)) {
            return;
        }
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        try {
            Files.writeString(token, HexFormat.of().formatHex(b));
            Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
