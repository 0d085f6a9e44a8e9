package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances and ingresses after imago was killed between starting a process and tagging it: the
 * states are made by rewriting the tags of real processes as the kill would have left them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessResumeTest {
    @TempDir Path dir;
    private Process stranger;

    private Path root() {
        return dir.resolve("local").toAbsolutePath();
    }

    private Provider provider() {
        return new LocalProviderFactory().create(new ProviderContext(root(), Map.of(), m -> {}));
    }

    private Tags tags() {
        return new Tags(root());
    }

    /** Whatever a failing test left behind: every process started for this state dir. */
    @AfterEach
    void cleanUp() {
        if (stranger != null) {
            stranger.destroyForcibly();
        }
        String state = root().toString();
        Processes.stopAll(ProcTable.matching(p -> state.equals(p.environ().get(LocalCompute.ENV_STATE))
                || p.cmdline().stream().anyMatch(a -> a.startsWith(state))), Duration.ofSeconds(5));
    }

    private InstanceRequest instance(String universe) {
        return new InstanceRequest(universe, "web", 0, "small", null, null, List.of("sleep", "300"), dir, null, Map.of());
    }

    /** Top processes of the instance as /proc shows them, whatever any tag says. */
    private List<ProcTable.Proc> instanceProcesses(String id) {
        String state = root().toString();
        return ProcTable.roots(ProcTable.matching(p -> state.equals(p.environ().get(LocalCompute.ENV_STATE))
                && id.equals(p.environ().get("IMAGO_INSTANCE"))));
    }

    private List<ProcTable.Proc> ingressProcesses(Resource ingress) {
        String file = Path.of(ingress.attr("dir")).resolve("backends.json").toString();
        return ProcTable.matching(p -> file.equals(p.option("--backends-file").orElse(null)));
    }

    private void rewriteTag(String universe, String kind, String id, Map<String, String> changes) {
        Map<String, String> a = new TreeMap<>(tags().read(universe, kind, id).orElseThrow());
        changes.forEach((k, v) -> {
            if (v == null) {
                a.remove(k);
            } else {
                a.put(k, v);
            }
        });
        tags().write(universe, kind, id, a);
    }

    private static Map<String, String> without(String... keys) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String k : keys) {
            m.put(k, null);
        }
        return m;
    }

    @Test
    void anInstanceStartedButNeverGivenItsPidIsListedAdoptedAndDestroyed() throws Exception {
        Provider p = provider();
        Resource first = p.compute().create(instance("r1"));
        long pid = Long.parseLong(first.attr("pid"));
        // Killed after the spawn, before the second tag write: the tag has the launch id, no pid.
        rewriteTag("r1", LocalCompute.KIND, first.id(), without("pid", "start"));

        List<Resource> listed = p.compute().list("r1");
        assertEquals(1, listed.size());
        assertEquals(Long.toString(pid), listed.get(0).attr("pid"), "list finds the running process behind a pid-less tag");
        assertTrue(p.compute().alive(listed.get(0)));

        Resource again = p.compute().create(instance("r1"));
        assertEquals(Long.toString(pid), again.attr("pid"), "create adopts the running instance");
        assertEquals(first.attr("port"), again.attr("port"));
        assertEquals(1, instanceProcesses(first.id()).size(), "and does not start a second one");
        assertEquals(Long.toString(pid), tags().read("r1", LocalCompute.KIND, first.id()).orElseThrow().get("pid"), "the tag is mended");

        // Even with no tag at all (a state written by an older imago, or lost), list still finds it.
        Files.delete(root().resolve("r1").resolve(LocalCompute.KIND).resolve(first.id() + ".json"));
        listed = p.compute().list("r1");
        assertEquals(1, listed.size());
        assertEquals(first.id(), listed.get(0).id());
        assertEquals(Long.toString(pid), listed.get(0).attr("pid"));

        p.compute().destroy(listed.get(0));
        assertEquals(List.of(), instanceProcesses(first.id()), "destroy leaves no process");
        assertFalse(ProcessHandle.of(pid).map(Processes::running).orElse(false));
        assertEquals(List.of(), p.compute().list("r1"));
    }

    @Test
    void anIngressStartedButNeverGivenItsPidIsReusedNotDoubled() throws Exception {
        Provider p = provider();
        int port = FreePorts.pick();
        IngressRequest req = new IngressRequest("shop", "loadBalancer", port);
        Resource first = p.ingress().create(req);
        try {
            long pid = Long.parseLong(first.attr("pid"));
            rewriteTag("_ingress", LocalIngresses.KIND, "shop", without("pid", "start"));

            Resource again = p.ingress().create(req);
            assertEquals(Long.toString(pid), again.attr("pid"), "the running ingress is reused, not refused for its port");
            assertEquals(1, ingressProcesses(first).size(), "exactly one ingress process");
            assertTrue(p.ingress().alive(again));
            assertEquals(List.of(), p.ingress().target(again), "and it answers on the admin port the tag names");

            // No tag at all (killed before even the first tag write of an older imago): adopted by its command line.
            Files.delete(root().resolve("_ingress").resolve(LocalIngresses.KIND).resolve("shop.json"));
            Resource third = p.ingress().create(req);
            assertEquals(Long.toString(pid), third.attr("pid"));
            assertEquals(first.attr("adminPort"), third.attr("adminPort"), "the admin port comes from the process's command line");
            assertEquals(1, ingressProcesses(first).size());
        } finally {
            p.ingress().destroy(first);
        }
        assertEquals(List.of(), ingressProcesses(first), "destroy leaves no ingress process");
        assertTrue(FreePorts.bindable(port), "and frees the port");
    }

    @Test
    void aRecordedPidThatNowBelongsToAnotherProgramIsNeverSignalled() throws Exception {
        Provider p = provider();
        stranger = new ProcessBuilder("sleep", "60").start();
        String pid = Long.toString(stranger.pid());
        String start = Processes.startOf(stranger.toHandle());

        Resource instance = p.compute().create(instance("r2"));
        Resource ingress = p.ingress().create(new IngressRequest("gate", "loadBalancer", null));
        Resource realIngress = new Resource(LocalIngresses.KIND, "gate", tags().read("_ingress", LocalIngresses.KIND, "gate").orElseThrow());
        long instancePid = Long.parseLong(instance.attr("pid"));
        long ingressPid = Long.parseLong(ingress.attr("pid"));
        // As after a reboot: the tags name a pid (even with a matching start time) that is now somebody else's.
        Map<String, String> reused = Map.of("pid", pid, "start", start);
        rewriteTag("r2", LocalCompute.KIND, instance.id(), reused);
        rewriteTag("_ingress", LocalIngresses.KIND, "gate", reused);
        Resource staleInstance = new Resource(LocalCompute.KIND, instance.id(), tags().read("r2", LocalCompute.KIND, instance.id()).orElseThrow());

        p.compute().destroy(staleInstance);
        p.ingress().destroy(ingress);

        assertTrue(stranger.isAlive(), "the unrelated process survives both destroys");
        assertFalse(ProcessHandle.of(instancePid).map(Processes::running).orElse(false), "the real instance was found and stopped");
        assertFalse(ProcessHandle.of(ingressPid).map(Processes::running).orElse(false), "the real ingress was found and stopped");
        assertEquals(List.of(), ingressProcesses(realIngress));
    }
}
