package io.imago.engine;

import io.imago.migration.SnapshotCopier;
import io.imago.providers.spi.Provider;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.Map;

/**
 * A migration's slot and publication live on the replaced universe's database, where a slot nobody
 * reads holds WAL back for ever: an upgrade that fails, is rejected or is destroyed before its
 * switch drops them.
 */
final class SlotCleanup {
    private SlotCleanup() {}

    static void dropIfAny(StateStore store, UniverseState u, Reporter reporter) {
        if (u.replaces() == null || u.stepDone(StepName.SWITCHOVER.name())) {
            return;
        }
        UniverseState old = store.universe(u.replaces()).orElse(null);
        if (old == null || old.phase() == Phase.DESTROYED || old.resource("database").isEmpty()) {
            return;
        }
        String slot = SnapshotStep.slotName(u.name());
        try (Provider p = ProviderRegistry.open(old.provider(), Map.of(), store, reporter::info)) {
            var admin = p.database().credentials(Resources.resource(old.resource("database").get()), true);
            SnapshotCopier.dropSlotAndPublication(SnapshotStep.endpoint(admin), slot, slot);
        } catch (Exception e) {
            reporter.warn("could not drop replication slot " + slot + " on " + old.name() + ": " + e.getMessage()
                    + "; drop it by hand (SELECT pg_drop_replication_slot('" + slot + "')) or re-run destroy");
        }
    }
}
