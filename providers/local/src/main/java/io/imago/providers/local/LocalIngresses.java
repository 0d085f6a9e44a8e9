package io.imago.providers.local;

import io.imago.providers.local.ingress.HoldExtension;
import io.imago.providers.local.ingress.IngressClient;
import io.imago.providers.local.ingress.IngressException;
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
    /** The admin client of each ingress in a switch, from {@link #prepareSwitch} to the flip or the release. */
    private final Map<String, IngressClient> pauseClients = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Where {@link #extendHold} writes for each ingress in a switch (from {@link #prepareSwitch} to the flip or the
     * release), with the token of the hold in place once there is one.
     */
    private record HeldBy(Path extension, String token) {}

    private final Map<String, HeldBy> holds = new java.util.concurrent.ConcurrentHashMap<>();

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
            return current(r);
        }
        // 0: the ingress binds a free port itself and reports it (see start); from then on the tag keeps it.
        int port = req.port() != null ? req.port() : 0;
        Path dir = tags.folder(OWNER, KIND).resolve(req.name());
        Tags.mkdirs(dir);
        Map<String, String> attrs = Map.of(
                "port", Integer.toString(port),
                "adminPort", "0",
                "dir", dir.toString(),
                "name", req.name());
        // Tagged before anything starts, so a re-run after a kill at any instant takes the path that
        // looks for a running process first.
        tags.write(OWNER, KIND, req.name(), attrs);
        return start(new Resource(KIND, req.name(), attrs));
    }

    /** Adopts the ingress process a killed run left untagged, or starts one. */
    private Resource start(Resource r) {
        Optional<Resource> adopted = adopt(r);
        if (adopted.isPresent()) {
            return adopted.get();
        }
        // The configured port, or the one the ingress bound before (its URL must not change); 0 the first time.
        int port = Integer.parseInt(r.attr("port"));
        if (port != 0 && !FreePorts.bindable(port)) {
            throw new LocalProviderException("port " + port + " is in use by another program: choose another ingress port");
        }
        Path dir = Path.of(r.attr("dir"));
        Path token = dir.resolve("admin-token");
        writeTokenOnce(token);
        Path portsFile = portsFile(r);
        try {
            Files.deleteIfExists(portsFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> attrs = new java.util.TreeMap<>(r.attrs());
        attrs.remove("pid");
        attrs.remove("start");
        tags.write(OWNER, KIND, r.id(), attrs);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The backends file names this ingress on the command line: that is how it is recognised.
        // The admin port is always 0: bound by the ingress itself and reported in the ports file, so
        // no other local user can take it between a check and the bind and receive the bearer token.
        List<String> cmd = List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                IngressServer.class.getName(),
                "--port", Integer.toString(port),
                "--admin-port", "0",
                "--backends-file", backendsFile(r),
                "--token-file", token.toString(),
                "--ports-file", portsFile.toString());
        ProcessHandle h = Processes.spawnDetached(cmd, dir, Map.of(), dir.resolve("ingress.log"));
        IngressServer.BoundPorts bound = awaitPorts(portsFile, h, Duration.ofSeconds(30)).orElseThrow(() -> {
            boolean alive = h.isAlive();
            Processes.stop(h, Duration.ofSeconds(5));
            return new LocalProviderException("the ingress" + (port == 0 ? "" : " on port " + port)
                    + (alive ? " did not report its ports in 30s" : " exited at start") + "; see " + dir.resolve("ingress.log"));
        });
        attrs.put("port", Integer.toString(bound.port()));
        attrs.put("adminPort", Integer.toString(bound.adminPort()));
        attrs.put("pid", Long.toString(h.pid()));
        attrs.put("start", Processes.startOf(h));
        tags.write(OWNER, KIND, r.id(), attrs);
        Resource started = new Resource(KIND, r.id(), attrs);
        if (!awaitHealthy(started, h, Duration.ofSeconds(30))) {
            throw new LocalProviderException("the ingress on port " + bound.port() + (h.isAlive() ? " did not start in 30s" : " exited at start")
                    + "; see " + dir.resolve("ingress.log"));
        }
        return started;
    }

    /**
     * Keeps one running process of this ingress (the tagged one if it lives, else the oldest),
     * ends the others, and tags it with the ports its command line shows. One that does not turn
     * healthy is ended too, so the caller starts a fresh one.
     */
    private Optional<Resource> adopt(Resource r) {
        List<ProcTable.Proc> running = new java.util.ArrayList<>(running(r));
        if (running.isEmpty()) {
            return Optional.empty();
        }
        running.sort(java.util.Comparator.comparing((ProcTable.Proc p) -> !Long.toString(p.pid()).equals(r.attr("pid")))
                .thenComparing(p -> p.handle().map(Processes::startOf).orElse("")));
        ProcTable.Proc keep = running.remove(0);
        Processes.stopAll(running, Duration.ofSeconds(5));
        Optional<ProcessHandle> h = keep.handle();
        if (h.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> attrs = new java.util.TreeMap<>(r.attrs());
        attrs.put("pid", Long.toString(keep.pid()));
        attrs.put("start", Processes.startOf(h.get()));
        // The ports it bound, from the ports file it wrote (its pid in it); an ingress started by an
        // older imago has no such file but named both ports on its command line.
        Optional<IngressServer.BoundPorts> bound = IngressServer.BoundPorts.read(portsFile(r)).filter(b -> b.pid() == keep.pid());
        String port = bound.map(b -> Integer.toString(b.port())).orElse(keep.option("--port").orElse("0"));
        String adminPort = bound.map(b -> Integer.toString(b.adminPort())).orElse(keep.option("--admin-port").orElse("0"));
        if (port.equals("0") || adminPort.equals("0")) {
            Processes.stop(h.get(), Duration.ofSeconds(5)); // its ports are unknown: a fresh one is started
            return Optional.empty();
        }
        attrs.put("port", port);
        attrs.put("adminPort", adminPort);
        tags.write(OWNER, KIND, r.id(), attrs);
        Resource adopted = new Resource(KIND, r.id(), attrs);
        if (awaitHealthy(adopted, h.get(), Duration.ofSeconds(30))) {
            return Optional.of(adopted);
        }
        Processes.stop(h.get(), Duration.ofSeconds(5));
        return Optional.empty();
    }

    /** The ports file the ingress process writes once it has bound both listeners. */
    private static Optional<IngressServer.BoundPorts> awaitPorts(Path file, ProcessHandle h, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            Optional<IngressServer.BoundPorts> bound = IngressServer.BoundPorts.read(file);
            if (bound.isPresent() || !h.isAlive() || System.nanoTime() > deadline) {
                return bound;
            }
            Processes.sleep(50);
        }
    }

    private static Path portsFile(Resource r) {
        return Path.of(r.attr("dir")).resolve("ports.json");
    }

    private boolean awaitHealthy(Resource r, ProcessHandle h, Duration max) {
        IngressClient client = client(r);
        long deadline = System.nanoTime() + max.toNanos();
        while (!client.healthy()) {
            if (!h.isAlive() || System.nanoTime() > deadline) {
                return false;
            }
            Processes.sleep(100);
        }
        return true;
    }

    /** Every live process serving this ingress, found by its backends file on the command line. */
    private static List<ProcTable.Proc> running(Resource r) {
        String file = backendsFile(r);
        return ProcTable.matching(p -> file.equals(p.option("--backends-file").orElse(null)));
    }

    /** The tagged process, if that pid still serves this ingress (a reused pid is somebody else's). */
    private static Optional<ProcessHandle> tagged(Resource r) {
        String file = backendsFile(r);
        return Processes.find(r.attr("pid"), r.attr("start"), p -> file.equals(p.option("--backends-file").orElse(null)));
    }

    private static String backendsFile(Resource r) {
        return Path.of(r.attr("dir")).resolve("backends.json").toString();
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
        tagged(ingress).ifPresent(h -> Processes.stop(h, Duration.ofSeconds(5)));
        Processes.stopAll(running(ingress), Duration.ofSeconds(5));
        tags.delete(OWNER, KIND, ingress.id());
        deleteTree(Path.of(ingress.attr("dir")));
    }

    @Override
    public boolean alive(Resource given) {
        Resource ingress = current(given);
        return tagged(ingress).isPresent() || !running(ingress).isEmpty();
    }

    @Override
    public void ensureRunning(Resource ingress) {
        Resource cur = current(ingress);
        // Alive but not (or wrongly) tagged counts as not running here: start() adopts it and fixes the tag.
        if (tagged(cur).isEmpty()) {
            start(cur);
        }
    }

    @Override
    public void prepareSwitch(Resource ingress, String universe, List<Endpoint> backends) {
        // Opens the admin connection the pause's calls then reuse (kept alive), and has the ingress write the record
        // of the flip ahead, so that inside the pause the flip only renames it into place. The client is kept for the
        // pause: its calls then read neither the tag nor the token file.
        IngressClient c = client(ingress);
        c.stage(backends.stream().map(Endpoint::url).toList());
        pauseClients.put(ingress.id(), c);
        Path extension = HoldExtension.beside(Path.of(backendsFile(current(ingress))));
        try {
            // Once ahead, naming no hold: the write inside the pause then finds its code loaded (2.6 ms the first time).
            HoldExtension.write(extension, "none", Duration.ZERO);
            holds.put(ingress.id(), new HeldBy(extension, null));
        } catch (IOException e) {
            holds.remove(ingress.id()); // extendHold falls back to an admin call
        }
    }

    @Override
    public void hold(Resource ingress, Duration max) {
        // Requests in flight get half the pause, at most a second, to finish on the old backends.
        Duration drain = max.dividedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : max.dividedBy(2);
        duringPause(ingress, false, c -> {
            String token = c.pause(max, drain).token();
            holds.computeIfPresent(ingress.id(), (id, h) -> new HeldBy(h.extension(), token));
        });
    }

    /** By a file the ingress reads when the hold reaches its deadline ({@link HoldExtension}), not by an admin call. */
    @Override
    public void extendHold(Resource ingress, Duration max) {
        HeldBy h = holds.get(ingress.id());
        if (h != null && h.token() != null) {
            try {
                HoldExtension.write(h.extension(), h.token(), max);
                return;
            } catch (IOException e) {
                // the admin call below does the same
            }
        }
        hold(ingress, max);
    }

    @Override
    public void pointAndRelease(Resource ingress, List<Endpoint> backends) {
        holds.remove(ingress.id());
        duringPause(ingress, true, c -> c.point(backends.stream().map(Endpoint::url).toList(), true));
    }

    @Override
    public void release(Resource ingress) {
        holds.remove(ingress.id());
        duringPause(ingress, true, IngressClient::resume);
    }

    /**
     * One call of the pause, on the client {@link #prepareSwitch} kept when there is one. Should that client find nobody
     * listening (the ingress restarted on another port since), the call is made once more on a client from the tag. {@code last} ends the pause's use of the kept client.
     */
    private void duringPause(Resource ingress, boolean last, java.util.function.Consumer<IngressClient> call) {
        IngressClient kept = last ? pauseClients.remove(ingress.id()) : pauseClients.get(ingress.id());
        if (kept != null) {
            try {
                call.accept(kept);
                return;
            } catch (IngressException e) {
                pauseClients.remove(ingress.id(), kept);
                if (!(e.getCause() instanceof java.net.ConnectException)) {
                    throw e; // it reached the ingress (or may have): a second try would only double a bounded wait
                }
            }
        }
        call.accept(client(ingress));
    }

    @Override
    public boolean canShadow() {
        return true;
    }

    @Override
    public void startShadow(Resource ingress, io.imago.providers.spi.shadow.ShadowRequest request) {
        client(ingress).startShadow(request);
    }

    @Override
    public io.imago.providers.spi.shadow.ShadowResults shadowResults(Resource ingress) {
        return client(ingress).shadowResults();
    }

    @Override
    public io.imago.providers.spi.shadow.ShadowResults stopShadow(Resource ingress) {
        return client(ingress).stopShadow();
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
