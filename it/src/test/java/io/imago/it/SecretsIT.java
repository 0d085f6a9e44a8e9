package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.imago.providers.local.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret leaks to other processes or files while the quickstart is applied (v1, then the
 * upgrade to v2) with an {@code IMAGO_SECRET_*} variable in imago's environment. A thread reads
 * every process's {@code /proc/PID/cmdline} and {@code /proc/PID/environ} every ~100 ms during both
 * applies and looks for each database password (from the local secret store, as soon as it exists)
 * and for the secret variable's value.
 *
 * <p>The one place a password may be: the environment of an application instance, inside its
 * {@code DB_URL} (what the blueprint's {@code env:} gives it, {@code ${database.url}}), and only the
 * application role's password of the instance's own universe. Never an argument of any process,
 * never the owner role's password, never in the ingress's or PostgreSQL's environment. The secret
 * variable, referenced by no blueprint, is in no process but imago itself.
 *
 * <p>Imago itself is not scanned: the CLI process (its environment is where the user put the
 * secret) and, for the instant between fork and exec, its own copies (same command line, child of
 * the CLI) and the JDK's {@code jspawnhelper}, which run imago's memory image until they exec the
 * child with its clean environment.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SecretsIT {
    private static final String SECRET_VAR = "IMAGO_SECRET_SHOP_API_KEY";

    @TempDir Path tmp;
    private Quickstart qs;
    private Scanner scanner;

    @AfterEach
    void cleanUp() throws Exception {
        if (scanner != null) {
            scanner.stop();
        }
        if (qs != null) {
            qs.destroyAllAndCheckNothingLeft();
            assertTrue(FreePorts.bindable(qs.port), "the ingress port is still taken");
        }
    }

    @Test
    void noSecretInAnyOtherProcessOrFileDuringAnUpgrade() throws Exception {
        qs = new Quickstart(tmp);
        String secret = hex(24);
        Path secrets = tmp.resolve(".imago/providers/local/_secrets");
        Path stateRoot = tmp.resolve(".imago/providers/local").toAbsolutePath();
        scanner = new Scanner(secret, secrets, stateRoot.toString());
        scanner.start();

        List<Cli.Result> results = new ArrayList<>();
        for (Path bp : List.of(qs.v1(), qs.v2())) {
            Cli.Result r = apply(Map.of(SECRET_VAR, secret), bp);
            assertEquals(0, r.code(), r.toString());
            results.add(r);
        }
        scanner.stop();
        // Not scanned (the scanner does not know their pids): only their output is checked.
        results.add(Cli.run(tmp, Map.of(SECRET_VAR, secret), "status", "--output", "json"));
        results.add(Cli.run(tmp, Map.of(SECRET_VAR, secret), "status"));

        Map<String, String> passwords = scanner.passwords();
        assertTrue(passwords.keySet().containsAll(List.of("shop-v1/imago", "shop-v1/app", "shop-v2/imago", "shop-v2/app")),
                "the scanner saw both universes' passwords: " + passwords.keySet());
        assertEquals(List.of(), scanner.violations(), "secrets where they must not be");
        // Controls: the scan did see what it must judge, and the one legitimate copy.
        assertTrue(scanner.scans.get() >= 20, "scans: " + scanner.scans.get());
        assertTrue(scanner.seenInstanceWithPassword.size() >= 4, "instances seen with their DB_URL: " + scanner.seenInstanceWithPassword);
        assertTrue(scanner.seenPostgres.get() > 0, "PostgreSQL processes scanned");
        assertTrue(scanner.seenIngress.get() > 0, "the ingress process scanned");

        // Files: the state (everything under .imago but the secret store) and the CLI's output.
        Set<String> values = new LinkedHashSet<>(passwords.values());
        values.add(secret);
        List<String> inFiles = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(tmp.resolve(".imago"))) {
            for (Path f : walk.filter(Files::isRegularFile).filter(f -> !f.startsWith(secrets)).toList()) {
                String text;
                try {
                    text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    continue; // removed while we walked
                }
                for (Map.Entry<String, String> e : labelled(passwords, secret).entrySet()) {
                    if (text.contains(e.getValue())) {
                        inFiles.add(tmp.relativize(f) + " holds " + e.getKey());
                    }
                }
            }
        }
        assertEquals(List.of(), inFiles, "secrets in state files");
        for (Cli.Result r : results) {
            for (Map.Entry<String, String> e : labelled(passwords, secret).entrySet()) {
                assertFalse(r.out().contains(e.getValue()) || r.err().contains(e.getValue()), "CLI output holds " + e.getKey() + ": " + r);
            }
        }
        assertFalse(values.isEmpty());
    }

    private static Map<String, String> labelled(Map<String, String> passwords, String secret) {
        Map<String, String> all = new java.util.TreeMap<>(passwords);
        all.put(SECRET_VAR, secret);
        return all;
    }

    /** Cli.run, but the scanner is told the CLI's pid before it can start anything. */
    private Cli.Result apply(Map<String, String> env, Path blueprint) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = Cli.builder(tmp, env, "apply", "--yes", blueprint.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        synchronized (scanner) {
            // Held while starting: the scanner does not look until it knows this pid.
            p = pb.start();
            scanner.cli(p.pid());
        }
        if (!p.waitFor(6, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("imago apply did not finish in 6 minutes");
        }
        Cli.Result r = new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Reads every process's command line and environment every ~100 ms, looking for secrets. */
    private static final class Scanner {
        private final String secret;
        private final Path secretsDir;
        private final String stateRoot;
        private final Map<String, String> passwords = new ConcurrentHashMap<>();
        private final Set<String> violations = ConcurrentHashMap.newKeySet();
        final Set<String> seenInstanceWithPassword = ConcurrentHashMap.newKeySet();
        final AtomicLong seenPostgres = new AtomicLong();
        final AtomicLong seenIngress = new AtomicLong();
        final AtomicLong scans = new AtomicLong();
        private final AtomicLong cliPid = new AtomicLong(-1);
        private volatile byte[] cliCmdline = new byte[0];
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::loop, "secrets-scanner");

        Scanner(String secret, Path secretsDir, String stateRoot) {
            this.secret = secret;
            this.secretsDir = secretsDir;
            this.stateRoot = stateRoot;
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void cli(long pid) {
            cliPid.set(pid);
            try {
                cliCmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            } catch (IOException e) {
                cliCmdline = new byte[0];
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }

        Map<String, String> passwords() {
            return Map.copyOf(passwords);
        }

        List<String> violations() {
            return violations.stream().sorted().toList();
        }

        private void loop() {
            while (running) {
                synchronized (this) {
                    readPasswords();
                    scanAll();
                }
                scans.incrementAndGet();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
            synchronized (this) {
                readPasswords();
                scanAll();
            }
        }

        /** Every password in the local secret store so far, as "universe/role"; kept after a universe is retired. */
        private void readPasswords() {
            if (!Files.isDirectory(secretsDir)) {
                return;
            }
            try (Stream<Path> files = Files.list(secretsDir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    String universe = f.getFileName().toString().replaceFirst("\\.json$", "");
                    try {
                        JsonNode j = Quickstart.JSON.readTree(f.toFile());
                        j.fields().forEachRemaining(e -> passwords.put(universe + "/" + e.getKey(), e.getValue().asText()));
                    } catch (IOException ignored) {
                        // being replaced: read on the next round
                    }
                }
            } catch (IOException ignored) {
                // the folder went away with the last universe
            }
        }

        private void scanAll() {
            long self = ProcessHandle.current().pid();
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                    long pid = Long.parseLong(p.getFileName().toString());
                    if (pid != self && pid != cliPid.get()) {
                        scan(pid, p);
                    }
                }
            } catch (IOException e) {
                violations.add("cannot list /proc: " + e);
            }
        }

        private void scan(long pid, Path dir) {
            byte[] cmdBytes;
            String environ;
            try {
                cmdBytes = Files.readAllBytes(dir.resolve("cmdline"));
                environ = new String(Files.readAllBytes(dir.resolve("environ")), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return; // gone, or a kernel thread
            }
            String cmdline = new String(cmdBytes, StandardCharsets.ISO_8859_1);
            if (isImagoItself(pid, dir, cmdBytes, cmdline)) {
                return;
            }
            String shown = pid + " " + cmdline.replace('\0', ' ').trim();
            shown = shown.length() > 160 ? shown.substring(0, 160) + "…" : shown;
            Map<String, String> env = parse(environ);
            boolean instance = stateRoot.equals(env.get("IMAGO_LOCAL_STATE")) && env.containsKey("IMAGO_INSTANCE");
            if (cmdline.contains("postgres") && (cmdline.contains(stateRoot) || cmdline.contains("/var/lib/imago/"))) {
                seenPostgres.incrementAndGet();
            }
            if (cmdline.contains("IngressServer") && cmdline.contains(stateRoot)) {
                seenIngress.incrementAndGet();
            }
            Map<String, String> values = new java.util.TreeMap<>(passwords);
            values.put(SECRET_VAR, secret);
            for (Map.Entry<String, String> v : values.entrySet()) {
                String label = v.getKey();
                String value = v.getValue();
                if (cmdline.contains(value)) {
                    violations.add(label + " in the command line of " + shown);
                }
                if (!environ.contains(value)) {
                    continue;
                }
                String universe = env.get("IMAGO_UNIVERSE");
                boolean appPassword = instance && label.equals(universe + "/app");
                String dbUrl = env.getOrDefault("DB_URL", "");
                // Its only occurrence is the DB_URL variable the blueprint's env: gives the instance.
                String rest = environ.replace("DB_URL=" + dbUrl + "\0", "");
                if (appPassword && dbUrl.contains(value) && !rest.contains(value)) {
                    seenInstanceWithPassword.add(env.get("IMAGO_INSTANCE"));
                } else {
                    violations.add(label + " in the environment of " + shown + " (variables " + env.keySet() + ")");
                }
            }
        }

        /** The CLI's own copies between fork and exec (same command line), and the JDK's spawn helper. */
        private boolean isImagoItself(long pid, Path dir, byte[] cmdBytes, String cmdline) {
            long cli = cliPid.get();
            if (cli < 0 || ppid(dir) != cli) {
                return false;
            }
            return java.util.Arrays.equals(cmdBytes, cliCmdline) || cmdline.split("\0", 2)[0].endsWith("/jspawnhelper");
        }

        private static long ppid(Path dir) {
            try {
                String stat = Files.readString(dir.resolve("stat"));
                return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        private static Map<String, String> parse(String environ) {
            Map<String, String> m = new java.util.LinkedHashMap<>();
            for (String kv : environ.split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return m;
        }
    }
}
