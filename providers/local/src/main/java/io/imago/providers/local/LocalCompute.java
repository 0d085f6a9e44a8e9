package io.imago.providers.local;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Instances are processes running the blueprint's {@code run} command, each on a port of its own. */
final class LocalCompute implements ComputeService {
    static final String KIND = "instance";
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
        if (existing.isPresent()) {
            Map<String, String> a = existing.get();
            if (Processes.find(a.get("pid"), a.get("start")).isPresent()) {
                return new Resource(KIND, id, a);
            }
        }
        // A restarted instance keeps its port when it can, so a half-built universe stays coherent.
        int port = existing.map(a -> Integer.parseInt(a.get("port"))).filter(Processes::portFree).orElseGet(Processes::freePort);
        Map<String, String> env = new HashMap<>(req.env());
        env.put("PORT", Integer.toString(port));
        env.put("IMAGO_UNIVERSE", req.universe());
        env.put("IMAGO_INSTANCE", id);
        Path log = tags.folder(req.universe(), KIND).resolve(id + ".log");
        ProcessHandle h = Processes.spawnDetached(req.command(), req.workDir(), env, log);
        Map<String, String> attrs = Map.of(
                "pid", Long.toString(h.pid()),
                "start", Processes.startOf(h),
                "host", "127.0.0.1",
                "port", Integer.toString(port),
                "group", req.group(),
                "log", log.toString(),
                "universe", req.universe());
        tags.write(req.universe(), KIND, id, attrs);
        return new Resource(KIND, id, attrs);
    }

    @Override
    public boolean healthy(Resource instance, String healthPath) {
        if (!alive(instance)) {
            return false;
        }
        int status = Http.status(endpoint(instance).url() + healthPath);
        return status >= 200 && status < 300;
    }

    @Override
    public Endpoint endpoint(Resource instance) {
        return new Endpoint(instance.attr("host"), Integer.parseInt(instance.attr("port")));
    }

    @Override
    public void destroy(Resource instance) {
        Processes.find(instance.attr("pid"), instance.attr("start")).ifPresent(h -> Processes.stop(h, Duration.ofSeconds(10)));
        tags.delete(instance.attr("universe"), KIND, instance.id());
    }

    @Override
    public List<Resource> list(String universe) {
        return tags.list(universe, KIND).stream().map(e -> new Resource(KIND, e.getKey(), e.getValue())).toList();
    }

    @Override
    public boolean alive(Resource instance) {
        return Processes.find(instance.attr("pid"), instance.attr("start")).isPresent();
    }
}
