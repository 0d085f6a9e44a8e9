package io.imago.blueprints;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code compute:}, the instance groups of a universe. */
final class ComputeReader {
    private static final Pattern ENV_NAME = Pattern.compile(BlueprintFormat.ENV_NAME);
    /** Set by the engine for every instance (blueprint-v1.md), so a user value would be overridden. */
    private static final Set<String> ENGINE_ENV = Set.of("PORT", "IMAGO_UNIVERSE", "IMAGO_INSTANCE");

    private final boolean needsRun;
    private final boolean needsImageAndPort;
    private final ReferenceChecker references;
    private final Diagnostics d;

    /**
     * @param providerType the blueprint's provider, null when invalid (then nothing provider-specific is required): the
     *     local provider starts processes, so it needs the command each instance runs; the aws provider starts machines
     *     from an image and registers each in its load balancer on one known port
     */
    ComputeReader(String providerType, ReferenceChecker references, Diagnostics d) {
        this.needsRun = "local".equals(providerType);
        this.needsImageAndPort = "aws".equals(providerType);
        this.references = references;
        this.d = d;
    }

    List<ComputeSpec> read(Field field) {
        YamlNode.Sequence seq = Values.sequence(field, d);
        if (seq == null) {
            return null;
        }
        if (seq.items().isEmpty()) {
            d.error(field.pos(), "'compute' needs at least one entry");
        }
        List<ComputeSpec> out = new ArrayList<>();
        Map<String, SourcePos> names = new HashMap<>();
        for (int i = 0; i < seq.items().size(); i++) {
            ComputeSpec spec = group(field.item(i, seq.items().get(i)), names);
            if (spec != null) {
                out.add(spec);
            }
        }
        return List.copyOf(out);
    }

    private ComputeSpec group(Field item, Map<String, SourcePos> names) {
        Section s = Section.of(item, KnownFields.COMPUTE, d);
        if (s == null) {
            return null;
        }
        String name = s.require("name").map(f -> uniqueName(f, names)).orElse(null);
        int count = orZero(s.integer("count", 1, 1, Integer.MAX_VALUE));
        String instanceType = s.string("instanceType", null);
        String size = s.choice("size", "small", KnownFields.SIZES);
        List<String> run = run(s);
        String image = s.string("image", null);
        Integer port = s.integer("port", null, 1, 65535);
        if (needsImageAndPort) {
            if (!s.has("image")) {
                d.error(s.pos(), "missing required field 'image'", "the aws provider starts each instance from a machine image (an AMI id)");
            }
            if (!s.has("port")) {
                d.error(s.pos(), "missing required field 'port'",
                        "the aws provider registers every instance in the load balancer on the port its application listens on");
            }
        }
        Map<String, String> env = s.field("env").map(this::env).orElse(Map.of());
        HealthSpec health = s.field("health").map(this::health).orElse(HealthSpec.DEFAULT);
        // blueprint-v1.md: an explicit instanceType wins over size.
        String effectiveSize = instanceType != null ? null : size;
        return new ComputeSpec(name, count, effectiveSize, instanceType, run, image, port, env, health, item.pos());
    }

    private String uniqueName(Field f, Map<String, SourcePos> names) {
        String name = Names.read(f, "compute", d);
        if (name != null) {
            SourcePos first = names.putIfAbsent(name, f.pos());
            if (first != null) {
                d.error(f.pos(), "duplicate compute name '" + name + "'",
                        "first declared at " + Diagnostics.earlier(first, f.pos()));
            }
        }
        return name;
    }

    private List<String> run(Section s) {
        Optional<Field> field = s.field("run");
        if (field.isEmpty()) {
            if (needsRun) {
                d.error(s.pos(), "missing required field 'run'",
                        "the local provider needs the command an instance runs");
            }
            return null;
        }
        List<String> argv = Values.strings(field.get(), d);
        if (argv == null) {
            return null;
        }
        if (argv.isEmpty()) {
            d.error(field.get().pos(), "'run' must not be empty");
        }
        for (YamlNode item : ((YamlNode.Sequence) field.get().value()).items()) {
            if (item instanceof YamlNode.Scalar v && v.type() == YamlNode.ScalarType.STRING) {
                references.checkArgument(v.text(), v.pos());
            }
        }
        return argv;
    }

    /** Keeps the file's order: users read env back in plan output and expect their own order. */
    private Map<String, String> env(Field field) {
        YamlNode.Mapping map = Values.mapping(field, d);
        if (map == null) {
            return null;
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (YamlNode.Entry e : map.entries()) {
            if (!ENV_NAME.matcher(e.key()).matches()) {
                d.error(e.keyPos(), "invalid environment variable name '" + e.key() + "'",
                        "use letters, digits and '_', not starting with a digit");
            } else if (ENGINE_ENV.contains(e.key())) {
                d.warning(e.keyPos(), "'" + e.key() + "' is set by imago for every instance", null);
            }
            String value = Values.string(Field.of(e), d);
            if (value != null) {
                checkReferences(e.value());
                env.put(e.key(), value);
            }
        }
        return Collections.unmodifiableMap(env);
    }

    private void checkReferences(YamlNode value) {
        if (value instanceof YamlNode.Scalar v && v.type() == YamlNode.ScalarType.STRING) {
            references.check(v.text(), v.pos());
        }
    }

    private HealthSpec health(Field field) {
        Section s = Section.of(field, KnownFields.HEALTH, d);
        if (s == null) {
            return null;
        }
        String path = s.string("path", HealthSpec.DEFAULT.path());
        if (path != null && !path.startsWith("/")) {
            s.field("path").ifPresent(f -> d.error(f.pos(), "'path' must start with '/'"));
        }
        Duration timeout = s.duration("timeout", HealthSpec.DEFAULT.timeout());
        if (timeout != null && timeout.isZero()) {
            s.field("timeout").ifPresent(f -> d.error(f.pos(), "'timeout' must be longer than 0"));
        }
        return new HealthSpec(path, timeout);
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }
}
