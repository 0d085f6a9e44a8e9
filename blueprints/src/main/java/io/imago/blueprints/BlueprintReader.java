package io.imago.blueprints;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Maps a blueprint's YAML tree to the model. Every section is read even after an error, so one
 * load reports every problem; the model is built only when there were none.
 */
final class BlueprintReader {
    private final Path baseDir;
    private final Function<String, String> environment;
    private final Diagnostics d;

    BlueprintReader(Path baseDir, Function<String, String> environment, Diagnostics d) {
        this.baseDir = baseDir;
        this.environment = environment;
        this.d = d;
    }

    /** The blueprint, or null when any error was reported. */
    Blueprint read(YamlNode root, Path file) {
        if (root instanceof YamlNode.Scalar s && s.isNull()) { // only comments, or a lone "---"
            d.error(new SourcePos(root.pos().file(), 1, 1), "blueprint is empty");
            return null;
        }
        if (!(root instanceof YamlNode.Mapping map)) {
            d.error(root.pos(), "a blueprint must be a mapping, not " + root.kindName());
            return null;
        }
        Section s = Section.root(map, KnownFields.ROOT, d);
        Integer imago = s.require("imago").map(this::version).orElse(null);
        String universe = s.require("universe").map(f -> Names.read(f, "universe", d)).orElse(null);
        String replaces = s.field("replaces").map(f -> replaces(f, universe)).orElse(null);
        // Null when given but invalid, so no later rule assumes a provider the user did not choose.
        Optional<Field> providerField = s.field("provider");
        ProviderSpec provider =
                providerField.isPresent() ? new ProviderReader(d).read(providerField.get()) : ProviderSpec.LOCAL;
        IngressSpec ingress = s.require("ingress").map(f -> new IngressReader(d).read(f)).orElse(null);

        var references = new ReferenceChecker(s.has("database"), environment, d);
        String providerType = provider == null ? null : provider.type();
        List<ComputeSpec> compute =
                s.require("compute").map(f -> new ComputeReader(providerType, references, d).read(f)).orElse(null);
        if (provider != null && "aws".equals(provider.type()) && compute != null && !provider.settings().containsKey("instanceProfile")) {
            compute.forEach(c -> secretsNeedAnInstanceProfile(c, universe));
        }
        DatabaseSpec database =
                s.field("database").map(f -> new DatabaseReader(baseDir, references, s.has("replaces"), d).read(f)).orElse(null);
        MigrationSpec migration = s.field("migration").map(f -> migration(f, s.has("replaces"))).orElse(null);
        List<CheckSpec> validate =
                s.field("validate").map(f -> new CheckReader(s.has("replaces"), d).readAll(f)).orElse(List.of());

        if (provider != null && "aws".equals(provider.type())) {
            validate.stream().filter(c -> c instanceof CheckSpec.Shadow).forEach(c -> d.error(c.pos(),
                    "the shadow check is not supported on the aws provider: an Application Load Balancer cannot copy requests "
                            + "to another universe", "use compare for an old-vs-new answer check on aws, or remove the shadow check"));
        }

        var policies = new PolicyReader(d);
        SwitchoverSpec switchover = s.field("switchover").map(policies::switchover).orElse(SwitchoverSpec.DEFAULT);
        TeardownSpec teardown = s.field("teardown").map(policies::teardown).orElse(TeardownSpec.DEFAULT);
        BudgetSpec budget = s.field("budget").map(policies::budget).orElse(null);

        if (d.hasErrors()) {
            return null;
        }
        return new Blueprint(file, imago, universe, replaces, provider, ingress, compute, database, migration,
                validate, switchover, teardown, budget);
    }

    /**
     * On aws a secret-valued variable is not written into the instance's user data (readable by anyone who may describe
     * it) but read from Secrets Manager by the instance at boot, with the role of its instance profile.
     */
    private void secretsNeedAnInstanceProfile(ComputeSpec group, String universe) {
        List<String> secret = group.env().entrySet().stream()
                .filter(e -> References.find(e.getValue()).stream().anyMatch(References::isSecret)).map(java.util.Map.Entry::getKey).toList();
        if (!secret.isEmpty()) {
            d.error(group.pos(), "compute '" + group.name() + "' has secret values in env (" + String.join(", ", secret)
                    + ") that its instances read from AWS Secrets Manager at boot, with the role of an instance profile",
                    "set provider.instanceProfile to one allowed secretsmanager:GetSecretValue on imago/" + universe + "/env/*");
        }
    }

    /** Only version 1 exists; a later one may change meanings, so it is refused, not guessed at. */
    private Integer version(Field f) {
        if (f.value() instanceof YamlNode.Scalar s && s.value() instanceof BigInteger v) {
            if (!v.equals(BigInteger.ONE)) {
                d.error(f.pos(), "unsupported imago version " + v, "allowed: 1");
                return null;
            }
            return 1;
        }
        return Values.integer(f, 1, 1, d); // reports the wrong type
    }

    private String replaces(Field f, String universe) {
        String name = Names.read(f, "universe", d);
        if (name != null && name.equals(universe)) {
            d.error(f.pos(), "a universe cannot replace itself", "name the live universe this one upgrades");
            return null;
        }
        return name;
    }

    private MigrationSpec migration(Field f, boolean replaces) {
        if (!replaces) {
            d.error(f.keyPos(), "migration needs 'replaces'", "name the live universe to migrate from");
        }
        return new MigrationReader(d).read(f);
    }
}
