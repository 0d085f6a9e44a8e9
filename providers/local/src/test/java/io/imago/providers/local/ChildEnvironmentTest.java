package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.spi.ChildEnvironment;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the local provider's children see of imago's environment: the allowlist only. The surefire
 * configuration sets {@value #PROBE} in the test JVM's environment (imago's, here) and nowhere else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChildEnvironmentTest {
    static final String PROBE = "IMAGO_SECRET_ENV_PROBE";
    @TempDir Path dir;

    private Path root() {
        return dir.resolve("local").toAbsolutePath();
    }

    @AfterEach
    void cleanUp() {
        String state = root().toString();
        Processes.stopAll(ProcTable.matching(p -> state.equals(p.environ().get(LocalCompute.ENV_STATE))), Duration.ofSeconds(5));
    }

    @Test
    void anInstanceSeesItsOwnEnvAndTheAllowlistButNothingElseOfImagos() throws Exception {
        assertEquals("probe-7f3a9c", System.getenv(PROBE), "providers/local/pom.xml sets it for the tests");
        Provider provider = new LocalProviderFactory().create(new ProviderContext(root(), Map.of(), m -> {}));
        Path out = dir.resolve("env.txt");
        // env is written to a temp name and renamed, so the test never reads half a file.
        List<String> run = List.of("sh", "-c", "env > " + out + ".tmp && mv " + out + ".tmp " + out + " && exec sleep 300");
        Resource r = provider.compute().create(new InstanceRequest("u1", "web", 0, "small", null, null, run, dir, null,
                Map.of("OWN", "mine", "DB_URL", "postgresql://app:pw@127.0.0.1:5/app")));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.exists(out) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Map<String, String> seen = parse(Files.readAllLines(out));
            assertEquals("mine", seen.get("OWN"));
            assertEquals("postgresql://app:pw@127.0.0.1:5/app", seen.get("DB_URL"));
            assertEquals(r.attr("port"), seen.get("PORT"));
            assertEquals("u1", seen.get("IMAGO_UNIVERSE"));
            assertEquals(r.id(), seen.get("IMAGO_INSTANCE"));
            assertEquals(root().toString(), seen.get(LocalCompute.ENV_STATE));
            assertEquals(r.attr("launch"), seen.get(LocalCompute.ENV_LAUNCH));
            assertFalse(seen.containsKey(PROBE), "imago's own variable reached the instance: " + seen.keySet());
            assertFalse(seen.values().stream().anyMatch(v -> v.contains("probe-7f3a9c")));
            // Everything else it has is the allowlist (or set by sh itself).
            Set<String> given = Set.of("OWN", "DB_URL", "PORT", "IMAGO_UNIVERSE", "IMAGO_INSTANCE", LocalCompute.ENV_STATE, LocalCompute.ENV_LAUNCH);
            Set<String> bySh = Set.of("PWD", "SHLVL", "_", "OLDPWD");
            for (String k : seen.keySet()) {
                assertTrue(given.contains(k) || bySh.contains(k) || ChildEnvironment.kept(k), "unexpected variable " + k);
            }
            if (System.getenv("PATH") != null) {
                assertEquals(System.getenv("PATH"), seen.get("PATH"));
            }
            // The running process itself, as any tool reading /proc would see it.
            long pid = Long.parseLong(r.attr("pid"));
            Map<String, String> environ = ProcTable.of(pid).orElseThrow().environ();
            assertEquals("mine", environ.get("OWN"));
            assertNull(environ.get(PROBE));
            assertTrue(provider.compute().alive(r), "still recognised by its marker variables");
        } finally {
            provider.compute().destroy(r);
        }
        assertFalse(provider.compute().alive(r));
    }

    /** The ingress process: nothing of imago's environment, and the ports in its tag are the ones it bound and reported. */
    @Test
    void theIngressHasACleanEnvironmentAndItsTagHasThePortsItBound() throws Exception {
        Provider provider = new LocalProviderFactory().create(new ProviderContext(root(), Map.of(), m -> {}));
        Resource ingress = provider.ingress().create(new io.imago.providers.spi.IngressRequest("shop", "loadBalancer", null));
        try {
            Map<String, String> tag = new Tags(root()).read("_ingress", LocalIngresses.KIND, "shop").orElseThrow();
            ProcTable.Proc proc = ProcTable.of(Long.parseLong(tag.get("pid"))).orElseThrow();
            assertEquals("0", proc.option("--admin-port").orElseThrow(), "imago chose no admin port: " + proc.cmdline());
            assertEquals("0", proc.option("--port").orElseThrow(), "no port configured: the ingress chose: " + proc.cmdline());
            var bound = io.imago.providers.local.ingress.IngressServer.BoundPorts.read(Path.of(tag.get("dir")).resolve("ports.json")).orElseThrow();
            assertEquals(proc.pid(), bound.pid());
            assertEquals(Integer.toString(bound.port()), tag.get("port"));
            assertEquals(Integer.toString(bound.adminPort()), tag.get("adminPort"));
            assertEquals("http://127.0.0.1:" + bound.port(), provider.ingress().url(ingress));
            assertTrue(provider.ingress().target(ingress).isEmpty(), "the admin API answers on the reported port");
            Map<String, String> environ = proc.environ();
            assertNull(environ.get(PROBE));
            for (String k : environ.keySet()) {
                assertTrue(ChildEnvironment.kept(k), "unexpected variable in the ingress's environment: " + k);
            }

            // Restarted (after a reboot, say): the same public port (its URL), a newly bound admin port.
            Processes.stop(proc.handle().orElseThrow(), Duration.ofSeconds(5));
            provider.ingress().ensureRunning(ingress);
            Map<String, String> again = new Tags(root()).read("_ingress", LocalIngresses.KIND, "shop").orElseThrow();
            assertEquals(tag.get("port"), again.get("port"));
            ProcTable.Proc proc2 = ProcTable.of(Long.parseLong(again.get("pid"))).orElseThrow();
            assertEquals(tag.get("port"), proc2.option("--port").orElseThrow());
            assertEquals("0", proc2.option("--admin-port").orElseThrow());
            assertTrue(provider.ingress().target(ingress).isEmpty());
        } finally {
            provider.ingress().destroy(ingress);
        }
        assertFalse(provider.ingress().alive(ingress));
    }

    @Test
    void theAllowlist() {
        Map<String, String> parent = new HashMap<>(Map.of("PATH", "/bin", "HOME", "/h", "LC_ALL", "C", "LC_TIME", "C", "TZ", "UTC",
                "IMAGO_SECRET_X", "s", "AWS_SECRET_ACCESS_KEY", "k", "LD_PRELOAD", "/x.so", "JAVA_TOOL_OPTIONS", "-Dx", "PGPASSWORD", "p"));
        assertEquals(Map.of("PATH", "/bin", "HOME", "/h", "LC_ALL", "C", "LC_TIME", "C", "TZ", "UTC"), ChildEnvironment.allowed(parent));
        ProcessBuilder pb = ChildEnvironment.apply(new ProcessBuilder("true"), Map.of("A", "1", "PATH", "/own"));
        assertEquals("1", pb.environment().get("A"));
        assertEquals("/own", pb.environment().get("PATH"), "the child's own value wins");
        assertNull(pb.environment().get(PROBE));
    }

    private static Map<String, String> parse(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String l : lines) {
            int eq = l.indexOf('=');
            if (eq > 0) {
                m.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        return m;
    }
}
