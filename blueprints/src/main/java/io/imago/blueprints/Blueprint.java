package io.imago.blueprints;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One universe as declared by a blueprint file (blueprint-v1.md). Immutable; paths are already
 * resolved against the blueprint's own folder.
 *
 * @param replaces the live universe this one upgrades, or null
 * @param database null when the universe has no database
 * @param migration null when the blueprint has no migration section (defaults apply when replacing)
 * @param budget null when no budget is set
 */
public record Blueprint(
        Path file,
        int imago,
        String universe,
        String replaces,
        ProviderSpec provider,
        IngressSpec ingress,
        List<ComputeSpec> compute,
        DatabaseSpec database,
        MigrationSpec migration,
        List<CheckSpec> validate,
        SwitchoverSpec switchover,
        TeardownSpec teardown,
        BudgetSpec budget) {

    /** The folder instances run in and relative paths resolve against. */
    public Path dir() {
        return file.toAbsolutePath().getParent();
    }

    public Optional<String> replacesUniverse() {
        return Optional.ofNullable(replaces);
    }

    public MigrationSpec migrationOrDefault() {
        return migration != null ? migration : MigrationSpec.DEFAULT;
    }
}
