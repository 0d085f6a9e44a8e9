package io.imago.engine;

import io.imago.migration.PgErrors;
import io.imago.migration.WriteFence;
import io.imago.providers.spi.Provider;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Before the flip, an upgrade that stops (fails, is rejected, is interrupted or destroyed) leaves the
 * universe it would have replaced as it found it: live, unfenced, slot-free. This undoes the two marks an
 * upgrade leaves on the old database: the lasting write fence (only ever in place inside a switch's
 * pause, or after a kill in it) and the migration's slot and publication. Idempotent: a later command
 * finishes what one could not. After the flip only the slot goes: the fence stays.
 */
final class OldUniverseRestore {
    private OldUniverseRestore() {
    }

    /**
     * Callers must know that the ingress does not point at {@code upgrade} (see {@link IngressProbe}).
     *
     * @return what could not be undone, for the user; empty when the old universe is as it was
     */
    static List<String> restore(StateStore store, UniverseState upgrade, Reporter reporter) {
        List<String> left = new ArrayList<>();
        if (upgrade.replaces() == null) {
            return left;
        }
        UniverseState old = store.universe(upgrade.replaces()).orElse(null);
        if (old == null || old.phase() == Phase.DESTROYED) {
            return left;
        }
        // After the flip the old universe's fence stays: it keeps writers that bypass the ingress off a universe nobody reads.
        if (Fact.FENCING_OLD.isSet(upgrade) && !Fact.FLIPPED_AT.isSet(upgrade)) {
            try {
                liftFence(store, old, reporter);
                store.universe(upgrade.name()).ifPresent(u -> store.save(Fact.FENCING_OLD.clear(u)));
            } catch (Exception e) {
                left.add("the write fence on " + old.name() + " is not lifted (" + PgErrors.rootMessage(e) + "): it refuses writes");
            }
        }
        if (!upgrade.stepDone(StepName.SWITCHOVER.name()) || Fact.SLOT.isSet(upgrade)) {
            dropSlot(store, upgrade, old, reporter, left);
        }
        return left;
    }

    private static void dropSlot(StateStore store, UniverseState upgrade, UniverseState old, Reporter reporter, List<String> left) {
        if (!SlotCleanup.drop(store, old, SnapshotStep.slotName(upgrade.name()), reporter)) {
            left.add("the replication slot " + SnapshotStep.slotName(upgrade.name()) + " on " + old.name() + " is not dropped");
        } else {
            store.universe(upgrade.name()).ifPresent(u -> store.save(Fact.PUBLICATION.clear(Fact.SLOT.clear(u))));
        }
    }

    /** Only the fence, for a resumed run that still needs the slot. */
    static List<String> liftFenceOnly(StateStore store, UniverseState upgrade, Reporter reporter) {
        UniverseState old = upgrade.replaces() == null ? null : store.universe(upgrade.replaces()).orElse(null);
        if (old == null || !Fact.FENCING_OLD.isSet(upgrade) || Fact.FLIPPED_AT.isSet(upgrade)) {
            return List.of();
        }
        try {
            liftFence(store, old, reporter);
            return List.of();
        } catch (Exception e) {
            return List.of("the write fence on " + old.name() + " is not lifted (" + PgErrors.rootMessage(e) + "): it refuses writes");
        }
    }

    private static void liftFence(StateStore store, UniverseState old, Reporter reporter) throws Exception {
        if (old.resource("database").isEmpty()) {
            return;
        }
        try (Provider p = ProviderRegistry.open(old.provider(), Map.of(), store, reporter)) {
            var db = Resources.resource(old.resource("database").get());
            String appRole = p.database().credentials(db, false).user();
            WriteFence.lift(SnapshotStep.endpoint(p.database().credentials(db, true)), appRole);
            reporter.info("lifted the write fence on " + old.name());
        }
    }
}
