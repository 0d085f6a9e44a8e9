package io.imago.providers.local;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Instances are processes running the blueprint's {@code run} command, each on a port of its own.
 * Each carries in its environment the state dir, universe, instance name and a launch id, so it can
 * be recognised even when imago was killed before its pid reached the tag, and so that a recorded
 * pid is only ever signalled while it still belongs to that launch.
 */
final class LocalCompute implements ComputeService {
    static final String KIND = "instance";
    static final String ENV_STATE = "IMAGO_LOCAL_STATE";
    static final String ENV_LAUNCH = "IMAGO_LAUNCH";
    private final Tags tags;

    LocalCompute(Tags tags) {
        this.tags = tags;
    }

    @Override
    public Resource create(InstanceRequest req) {
        if (req.command() == null || req.command().isEmpty()) {
            throw new LocalProviderException("compute '" + req.group() + "' has no 'run' command, which the local provider needs");
        }
        String id = req.name();
        Optional<Map<String, String>> existing = tags.read(req.universe(), KIND, id);
        if (existing.isPresent() && tagged(existing.get(), req.universe(), id).isPresent()) {
            return new Resource(KIND, id, existing.get());
        }
        // Started by a run killed before it wrote the pid: adopt it rather than start a second one.
        Optional<Resource> adopted = adopt(req.universe(), id, existing.map(a -> a.get("launch")).orElse(null));
        if (adopted.isPresent()) {
            return adopted.get();
        }
        // A restarted instance keeps its port when it can, so a half-built universe stays coherent.
        int port = existing.map(a -> a.get("port")).map(Integer::parseInt).filter(FreePorts::bindable).orElseGet(FreePorts::pick);
        String launch = UUID.randomUUID().toString();
        Path log = tags.folder(req.universe(), KIND).resolve(id + ".log");
        Map<String, String> attrs = new TreeMap<>(Map.of(
                "host", "127.0.0.1",
                "port", Integer.toString(port),
                "group", req.group(),
                "log", log.toString(),
                "universe", req.universe(),
                "launch", launch));
        // Tagged before the spawn: whatever instant imago dies at, the tag names the launch to look for.
        tags.write(req.universe(), KIND, id, attrs);
        Map<String, String> env = new HashMap<>(req.env());
        env.put("PORT", Integer.toString(port));
        env.put("IMAGO_UNIVERSE", req.universe());
        env.put("IMAGO_INSTANCE", id);
        env.put(ENV_STATE, tags.root().toString());
        env.put(ENV_LAUNCH, launch);
        ProcessHandle h = Processes.spawnDetached(req.command(), req.workDir(), env, log);
        attrs.put("pid", Long.toString(h.pid()));
        attrs.put("start", Processes.startOf(h));
        tags.write(req.universe(), KIND, id, attrs);
        return new Resource(KIND, id, attrs);
    }

    /** Keeps the oldest running launch of the instance, ends any other, and records it in the tag. */
    private Optional<Resource> adopt(String universe, String id, String preferredLaunch) {
        List<ProcTable.Proc> running = new ArrayList<>(running(universe, id));
        if (running.isEmpty()) {
            return Optional.empty();
        }
        running.sort(Comparator.comparing((ProcTable.Proc p) -> !p.environ().getOrDefault(ENV_LAUNCH, "").equals(preferredLaunch))
                .thenComparing(p -> p.handle().map(Processes::startOf).orElse("")));
        ProcTable.Proc keep = running.remove(0);
        Processes.stopAll(running, Duration.ofSeconds(10));
        Map<String, String> attrs = new TreeMap<>(attrsOf(keep, universe, id));
        tags.write(universe, KIND, id, attrs);
        return Optional.of(new Resource(KIND, id, attrs));
    }

    /** The tag's process, if that pid is still this launch of this instance. */
    private Optional<ProcessHandle> tagged(Map<String, String> a, String universe, String id) {
        String launch = a.get("launch");
        return Processes.find(a.get("pid"), a.get("start"), p -> {
            Map<String, String> env = p.environ();
            return id.equals(env.get("IMAGO_INSTANCE")) && universe.equals(env.get("IMAGO_UNIVERSE"))
                    && (launch == null || launch.equals(env.get(ENV_LAUNCH)));
        });
    }

    /** The top processes started by this state dir for the instance (or, with id null, the universe). */
    private List<ProcTable.Proc> running(String universe, String id) {
        String state = tags.root().toString();
        return ProcTable.roots(ProcTable.matching(p -> {
            Map<String, String> env = p.environ();
            return state.equals(env.get(ENV_STATE)) && universe.equals(env.get("IMAGO_UNIVERSE"))
                    && (id == null || id.equals(env.get("IMAGO_INSTANCE")));
        }));
    }

    private Map<String, String> attrsOf(ProcTable.Proc p, String universe, String id) {
        Map<String, String> env = p.environ();
        String prefix = universe + "-";
        String group = id.startsWith(prefix) && id.lastIndexOf('-') > prefix.length()
                ? id.substring(prefix.length(), id.lastIndexOf('-')) : id;
        Map<String, String> a = new TreeMap<>(tags.read(universe, KIND, id).orElse(Map.of()));
        a.put("pid", Long.toString(p.pid()));
        a.put("start", p.handle().map(Processes::startOf).orElse(""));
        a.put("launch", env.getOrDefault(ENV_LAUNCH, ""));
        a.put("port", env.getOrDefault("PORT", a.getOrDefault("port", "0")));
        a.put("host", "127.0.0.1");
        a.put("universe", universe);
        a.putIfAbsent("group", group);
        a.putIfAbsent("log", tags.folder(universe, KIND).resolve(id + ".log").toString());
        return a;
    }

    /** Answers its health path with a 2xx, on a port its own process tree listens on (see {@link ListeningSockets}). */
    @Override
    public boolean healthy(Resource instance, String healthPath) {
        String universe = instance.attr("universe");
        Map<String, String> a = tags.read(universe, KIND, instance.id()).orElse(instance.attrs());
        Optional<ProcessHandle> process = tagged(a, universe, instance.id())
                .or(() -> running(universe, instance.id()).stream().findFirst().flatMap(ProcTable.Proc::handle));
        if (process.isEmpty()) {
            return false;
        }
        Endpoint at = endpoint(new Resource(KIND, instance.id(), a));
        if (!ListeningSockets.heldBy(at.port(), process.get())) {
            return false;
        }
        int status = Http.status(at.url() + healthPath);
        return status >= 200 && status < 300;
    }

    @Override
    public Endpoint endpoint(Resource instance) {
        return new Endpoint(instance.attr("host"), Integer.parseInt(instance.attr("port")));
    }

    @Override
    public void destroy(Resource instance) {
        String universe = instance.attr("universe");
        Map<String, String> a = tags.read(universe, KIND, instance.id()).orElse(instance.attrs());
        tagged(a, universe, instance.id()).ifPresent(h -> Processes.stop(h, Duration.ofSeconds(10)));
        Processes.stopAll(running(universe, instance.id()), Duration.ofSeconds(10));
        tags.delete(universe, KIND, instance.id());
    }

    /** The tagged instances, plus any running one whose tag was never written or lacks its pid. */
    @Override
    public List<Resource> list(String universe) {
        Map<String, Resource> out = new LinkedHashMap<>();
        tags.list(universe, KIND).forEach(e -> out.put(e.getKey(), new Resource(KIND, e.getKey(), e.getValue())));
        for (ProcTable.Proc p : running(universe, null)) {
            String id = p.environ().get("IMAGO_INSTANCE");
            Resource known = out.get(id);
            if (id != null && (known == null || tagged(known.attrs(), universe, id).isEmpty())) {
                out.put(id, new Resource(KIND, id, attrsOf(p, universe, id)));
            }
        }
        return List.copyOf(out.values());
    }

    @Override
    public boolean alive(Resource instance) {
        String universe = instance.attr("universe");
        Map<String, String> a = tags.read(universe, KIND, instance.id()).orElse(instance.attrs());
        return tagged(a, universe, instance.id()).isPresent() || !running(universe, instance.id()).isEmpty();
    }
}
