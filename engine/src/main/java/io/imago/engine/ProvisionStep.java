package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.ComputeSpec;
import io.imago.blueprints.DatabaseSpec;
import io.imago.blueprints.HealthSpec;
import io.imago.blueprints.References;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.Resource;
import io.imago.providers.spi.SideTask;
import io.imago.state.IngressState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rents the universe: the database and the ingress side by side (neither needs the other, and each takes a process start
 * here, minutes on a cloud), then the instances, which refer to the database.
 */
final class ProvisionStep implements Step {
    @Override
    public StepName name() {
        return StepName.PROVISION;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return true;
    }

    @Override
    public boolean planned(Blueprint bp) {
        return true;
    }

    @Override
    public String preview(Blueprint bp) {
        int instances = bp.compute().stream().mapToInt(ComputeSpec::count).sum();
        boolean rentsDatabase = bp.database() != null && !bp.database().isExternal();
        return "rent " + Plural.count(instances, "instance") + (rentsDatabase ? ", a PostgreSQL " + bp.database().version() + " database" : "")
                + " and ingress " + bp.ingress().name() + " on the " + bp.provider().type() + " provider"
                + (bp.database() != null && bp.database().isExternal() ? "; use the external database " + bp.database().external().url()
                + " (imago creates only its roles there)" : "");
    }

    @Override
    public String run(ApplyContext ctx) {
        List<String> parts = new ArrayList<>();
        boolean ingressAlongside = ctx.ingressState().isEmpty(); // a new one is created beside the database
        SideTask<Resource> ingressRented = SideTask.start("provision-ingress", () -> ensureIngress(ctx));
        try {
            rentDatabase(ctx, ingressAlongside).ifPresent(parts::add);
        } catch (RuntimeException e) {
            // The ingress is not left being created behind a failure the policy is about to clean up after.
            ingressRented.awaitQuietly();
            throw e;
        }
        Resource ingress = ingressRented.join();
        parts.add("ingress " + ctx.ingressProvider().ingress().url(ingress));
        List<Resource> started = new ArrayList<>();
        double groupSeconds = 0;
        int groupsMeasured = 0;
        for (ComputeSpec group : ctx.bp.compute()) {
            String prefix = ctx.bp.universe() + "-" + group.name() + "-";
            boolean first = ctx.state().resources("instance").stream().noneMatch(r -> r.id().startsWith(prefix));
            long t0 = System.nanoTime();
            Map<String, String> env = new LinkedHashMap<>();
            group.env().forEach((k, v) -> env.put(k, ctx.resolve(v)));
            List<String> command = group.run() == null ? null : group.run().stream().map(ctx::resolve).toList();
            String healthPath = (group.health() != null ? group.health() : HealthSpec.DEFAULT).path();
            for (int i = 0; i < group.count(); i++) {
                InstanceRequest req = new InstanceRequest(ctx.bp.universe(), group.name(), i, group.size(), group.instanceType(),
                        group.image(), command, ctx.bp.dir(), group.port(), env, healthPath, secretEnv(group));
                Resource inst = ctx.provider.compute().create(req);
                ctx.update(s -> s.withResource(Resources.record(inst).withAttr(Resources.HEALTH_PATH, healthPath)));
                started.add(inst);
            }
            awaitHealthy(ctx, group, started.subList(started.size() - group.count(), started.size()));
            if (first) {
                groupSeconds += (System.nanoTime() - t0) / 1e9;
                groupsMeasured++;
            }
        }
        if (groupsMeasured > 0) {
            ctx.measure(Throughput.PROVISION_INSTANCES, groupSeconds / groupsMeasured, Plural.count(groupsMeasured, "compute group")
                    + " started until healthy");
        }
        if (!started.isEmpty()) {
            parts.add(Plural.count(started.size(), "instance") + " healthy");
        }
        if (ctx.crossesProviders()) {
            Fronts.point(ctx, started.stream().map(r -> ctx.provider.compute().endpoint(r)).toList());
            ctx.state().resource(Fronts.KIND).ifPresent(f -> parts.add("front " + ctx.provider.ingress().url(Fronts.resource(f))
                    + " (the " + ctx.ingressProvider().type() + " ingress forwards to it from the switch on)"));
        }
        return String.join(", ", parts);
    }

    /**
     * The database, when the blueprint has one; what it says of it for the step's summary.
     *
     * @param ingressAlongside an ingress is being created meanwhile: the two share the machine's cores (on local), so the
     *     database's time is not recorded for forecasts, which add it alone when the ingress exists
     */
    private static Optional<String> rentDatabase(ApplyContext ctx, boolean ingressAlongside) {
        DatabaseSpec dbSpec = ctx.bp.database();
        if (dbSpec == null) {
            return Optional.empty();
        }
        // A resumed run finds it: nothing to measure.
        boolean measured = ctx.state().resource("database").isEmpty() && !ingressAlongside;
        long t0 = System.nanoTime();
        DatabaseRequest request = new DatabaseRequest(ctx.bp.universe(), dbSpec.version(), dbSpec.size(), dbSpec.instanceClass(),
                dbSpec.storageGb());
        Resource db;
        if (dbSpec.isExternal()) {
            ctx.reporter.info("using the external database " + dbSpec.external().url() + " for " + ctx.bp.universe());
            db = WithExternalDatabases.external(ctx.provider).create(request, dbSpec.external());
        } else {
            ctx.reporter.info("starting database " + ctx.bp.universe() + "-db (PostgreSQL " + dbSpec.version() + ")");
            db = ctx.provider.database().create(request);
            if (measured) {
                ctx.measure(Throughput.PROVISION_DATABASE, (System.nanoTime() - t0) / 1e9, "renting " + ctx.bp.universe() + "-db");
            }
        }
        ctx.update(s -> s.withResource(Resources.record(db)));
        // An external database is named by its record: where a secret says where it is, by the reference, not the host.
        var c = ctx.db(false);
        String where = dbSpec.isExternal() ? "external database " + ExternalDatabases.where(db) : "database " + c.host() + ":" + c.port();
        return Optional.of(where + " (PostgreSQL " + db.attrs().getOrDefault("version", dbSpec.version()) + ")");
    }

    /**
     * The group's variables whose value is or carries a secret ({@link References#isSecret}): a provider that cannot hand
     * the environment to an instance privately (cloud user data is readable by anyone who may describe the instance)
     * sends these through its secret store.
     */
    static Set<String> secretEnv(ComputeSpec group) {
        Set<String> names = new TreeSet<>();
        group.env().forEach((k, v) -> {
            if (References.find(v).stream().anyMatch(References::isSecret)) {
                names.add(k);
            }
        });
        return names;
    }

    private static Resource ensureIngress(ApplyContext ctx) {
        var spec = ctx.bp.ingress();
        var known = ctx.ingressState();
        if (known.isPresent()) {
            Resource r = Resources.resource(known.get().resource());
            ctx.ingressProvider().ingress().ensureRunning(r);
            if (ctx.crossesProviders()) {
                Fronts.ensure(ctx, spec);
            }
            return r;
        }
        long t0 = System.nanoTime();
        Resource r = ctx.provider.ingress().create(new IngressRequest(spec.name(), spec.type(), spec.port(), spec.settings()));
        ctx.measure(Throughput.PROVISION_INGRESS, (System.nanoTime() - t0) / 1e9, "creating ingress " + spec.name());
        ctx.store.save(new IngressState(spec.name(), ctx.provider.type(), Resources.record(r), null, null, null));
        return r;
    }

    private static void awaitHealthy(ApplyContext ctx, ComputeSpec group, List<Resource> instances) {
        HealthSpec health = group.health() != null ? group.health() : HealthSpec.DEFAULT;
        long start = System.nanoTime();
        long deadline = start + health.timeout().toNanos();
        List<Resource> waiting = new ArrayList<>(instances);
        long lastReport = 0;
        while (!waiting.isEmpty()) {
            waiting.removeIf(r -> ctx.provider.compute().healthy(r, health.path()));
            if (waiting.isEmpty()) {
                break;
            }
            for (Resource r : waiting) {
                if (!ctx.provider.compute().alive(r)) {
                    throw EngineException.failed("instance " + r.id() + " exited before it was healthy" + logHint(r));
                }
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw EngineException.failed("instance " + waiting.get(0).id() + " did not answer " + health.path()
                        + " within " + health.timeout().toSeconds() + "s" + logHint(waiting.get(0)));
            }
            if (now - lastReport > Duration.ofSeconds(2).toNanos()) {
                lastReport = now;
                ctx.reporter.progress(new Progress("PROVISION", "instances healthy", instances.size() - waiting.size(), instances.size(), false,
                        Duration.ofNanos(now - start), group.name(), "waiting for " + health.path() + ", at most " + io.imago.blueprints.Durations.format(health.timeout())));
            }
            sleep(200);
        }
    }

    /** The end of the instance's log, quoted now: a failed apply releases the instance and its log with it. */
    private static String logHint(Resource r) {
        String log = r.attr("log");
        if (log == null) {
            return "";
        }
        try {
            List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(log));
            List<String> tail = lines.subList(Math.max(0, lines.size() - 8), lines.size());
            return tail.isEmpty() ? "; its log is empty" : "; the end of its log:\n    | " + String.join("\n    | ", tail);
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.failed("interrupted");
        }
    }
}
