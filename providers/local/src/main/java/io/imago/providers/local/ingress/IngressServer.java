package io.imago.providers.local.ingress;

import io.undertow.Undertow;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The local provider's ingress: a reverse proxy that runs as its own long-lived process and
 * outlives the {@code imago} command that starts it.
 *
 * <pre>
 * java -cp CLASSPATH io.imago.providers.local.ingress.IngressServer \
 *     --port P [--host H] --admin-port A [--backends-file F] [--token-file T] [--ports-file R]
 * </pre>
 *
 * The public listener is on {@code H:P} (H defaults to 127.0.0.1), the admin API
 * ({@link AdminHandler}) on {@code 127.0.0.1:A} only. Port 0 has the OS pick a free port as the
 * listener binds it. Once listening it prints {@code ready port=P admin=A} on stdout and, with
 * {@code --ports-file}, writes {@code {"port":P,"admin":A,"pid":PID}} to R (atomically, owner-only).
 * The local provider starts it with {@code --admin-port 0} and reads R: a port chosen by imago,
 * released, and then bound by the ingress could be taken in between by another local user, who
 * would then receive the admin requests and their bearer token. With no backend, public requests get 503.
 */
public final class IngressServer {
    /** Start-up options; {@code backendsFile} and {@code tokenFile} may be null. */
    public record Options(String host, int port, int adminPort, Path backendsFile, Path tokenFile, Path portsFile) {
        public static final String USAGE = "usage: IngressServer --port P [--host H] --admin-port A"
                + " [--backends-file F] [--token-file T] [--ports-file R]";

        public Options(String host, int port, int adminPort, Path backendsFile, Path tokenFile) {
            this(host, port, adminPort, backendsFile, tokenFile, null);
        }

        /** Loopback listeners on the given ports (0 = any free one), no persistence, no token. */
        public static Options loopback(int port, int adminPort) {
            return new Options("127.0.0.1", port, adminPort, null, null, null);
        }

        public Options withBackendsFile(Path f) {
            return new Options(host, port, adminPort, f, tokenFile, portsFile);
        }

        public Options withTokenFile(Path f) {
            return new Options(host, port, adminPort, backendsFile, f, portsFile);
        }

        public Options withPortsFile(Path f) {
            return new Options(host, port, adminPort, backendsFile, tokenFile, f);
        }

        /** @throws IllegalArgumentException with a message for users */
        public static Options parse(String... args) {
            String host = "127.0.0.1";
            Integer port = null;
            Integer admin = null;
            Path backends = null;
            Path token = null;
            Path ports = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    throw new IllegalArgumentException(USAGE);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing a value after " + a + "\n" + USAGE);
                }
                String v = args[++i];
                switch (a) {
                    case "--port" -> port = port(a, v);
                    case "--admin-port" -> admin = port(a, v);
                    case "--host" -> host = v;
                    case "--backends-file" -> backends = Path.of(v);
                    case "--token-file" -> token = Path.of(v);
                    case "--ports-file" -> ports = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                }
            }
            if (port == null || admin == null) {
                throw new IllegalArgumentException("--port and --admin-port are required\n" + USAGE);
            }
            return new Options(host, port, admin, backends, token, ports);
        }

        private static int port(String option, String v) {
            try {
                int p = Integer.parseInt(v);
                if (p >= 0 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(option + " needs a port number (0-65535), got: " + v);
        }
    }

    private final Undertow undertow;
    private final SwitchableProxy proxy;
    private final RequestGate gate;
    private final ShadowTap shadow;
    private final int port;
    private final int adminPort;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);

    private IngressServer(Options o, Consumer<String> log) throws IOException {
        BackendsFile file = o.backendsFile() == null ? null : new BackendsFile(o.backendsFile());
        BackendSet initial = BackendSet.of(0, List.of());
        if (file != null) {
            var saved = file.read();
            if (saved.isPresent()) {
                try {
                    initial = BackendSet.of(saved.get().generation(), BackendSet.normalize(saved.get().backends()));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file.path() + ": " + e.getMessage(), e);
                }
                log("restored generation " + initial.generation() + " from " + file.path() + ": " + initial.urls());
            }
        }
        String token = o.tokenFile() == null ? null : readToken(o.tokenFile());
        this.proxy = new SwitchableProxy(initial, file);
        this.shadow = new ShadowTap(proxy, log);
        this.gate = new RequestGate(shadow, log, file == null ? RequestGate.Extensions.NONE : new HoldExtension(HoldExtension.beside(file.path())));
        AdminHandler admin = new AdminHandler(proxy, gate, shadow, token, this::stopSoon, log);
        int io = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
        this.undertow = Undertow.builder()
                .setIoThreads(io)
                .setWorkerThreads(8)
                .addListener(new Undertow.ListenerBuilder().setType(Undertow.ListenerType.HTTP)
                        .setHost(o.host()).setPort(o.port()).setRootHandler(gate))
                .addListener(new Undertow.ListenerBuilder().setType(Undertow.ListenerType.HTTP)
                        .setHost("127.0.0.1").setPort(o.adminPort()).setRootHandler(admin))
                .build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            gate.close();
            throw new IOException("cannot listen on " + o.host() + ":" + o.port() + " and 127.0.0.1:" + o.adminPort()
                    + ": " + rootMessage(e), e);
        }
        List<Undertow.ListenerInfo> listeners = undertow.getListenerInfo();
        this.port = ((InetSocketAddress) listeners.get(0).getAddress()).getPort();
        this.adminPort = ((InetSocketAddress) listeners.get(1).getAddress()).getPort();
        if (o.portsFile() != null) {
            try {
                writePorts(o.portsFile(), port, adminPort);
            } catch (IOException e) {
                stop();
                throw new IOException("cannot write the ports file " + o.portsFile() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The ports file: written whole (temp file, rename), readable by its owner only, once both listeners are bound. */
    private static void writePorts(Path file, int port, int adminPort) throws IOException {
        io.imago.providers.spi.DurableFiles.replace(file, ("{\"port\":" + port + ",\"admin\":" + adminPort + ",\"pid\":"
                + ProcessHandle.current().pid() + "}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** What a ports file says: the ports the ingress with that pid bound. */
    public record BoundPorts(int port, int adminPort, long pid) {
        private static final java.util.regex.Pattern FORM =
                java.util.regex.Pattern.compile("\\{\"port\":(\\d+),\"admin\":(\\d+),\"pid\":(\\d+)}\\s*");

        /** Empty when the file is missing or not (yet) a ports file. */
        public static java.util.Optional<BoundPorts> read(Path file) {
            try {
                var m = FORM.matcher(Files.readString(file));
                if (!m.matches()) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(new BoundPorts(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3))));
            } catch (IOException | RuntimeException e) {
                return java.util.Optional.empty();
            }
        }
    }

    /** Starts an ingress in this JVM (the process entry point and tests use this). */
    public static IngressServer start(Options options) throws IOException {
        return new IngressServer(options, IngressServer::log);
    }

    /** An ingress that logs nothing, for {@link SwitchWarmUp}'s private rehearsal. */
    static IngressServer startQuiet(Options options) throws IOException {
        return new IngressServer(options, message -> { });
    }

    int heldRequests() {
        return gate.heldCount();
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        IngressServer server;
        try {
            server = start(o);
        } catch (IOException e) {
            log("cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "ingress-shutdown"));
        PrintStream out = System.out;
        out.println("ready port=" + server.port() + " admin=" + server.adminPort());
        out.flush();
        log("listening on " + o.host() + ":" + server.port() + ", admin on 127.0.0.1:" + server.adminPort());
        SwitchWarmUp.startBeside();
        try {
            server.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log("stopped");
        System.exit(0);
    }

    public int port() {
        return port;
    }

    public int adminPort() {
        return adminPort;
    }

    public long generation() {
        return proxy.current().generation();
    }

    public List<String> backends() {
        return proxy.current().urls();
    }

    /** Stops both listeners; held requests are let through first. Safe to call more than once. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            gate.close();
            try {
                shadow.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            undertow.stop();
        } finally {
            stoppedLatch.countDown();
        }
    }

    public void awaitStopped() throws InterruptedException {
        stoppedLatch.await();
    }

    /** Stops from a thread of its own, after the admin reply has been written. */
    private void stopSoon() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop();
        }, "ingress-stop");
        t.start();
    }

    private static String readToken(Path f) throws IOException {
        String token;
        try {
            token = Files.readString(f).trim();
        } catch (IOException e) {
            throw new IOException("cannot read the token file " + f + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) {
            throw new IOException("the token file " + f + " is empty");
        }
        return token;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    static void log(String message) {
        System.err.println(Instant.now() + " ingress: " + message);
    }
}
