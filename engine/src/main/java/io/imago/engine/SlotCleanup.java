package io.imago.engine;

import io.imago.migration.SnapshotCopier;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;

/**
 * A migration's slot and publication live on the replaced universe's database, where a slot nobody
 * reads holds WAL back for ever: an upgrade that fails, is rejected or is destroyed before its
 * switch drops them.
 */
final class SlotCleanup {
    private SlotCleanup() {}

    /**
     * Drops a slot and the publication of the same name from a universe's database; warns, with what to
     * do by hand, when it cannot.
     *
     * @return whether they are gone
     */
    static boolean drop(StateStore store, UniverseState on, String slot, Reporter reporter) {
        try {
            var admin = Resources.adminOf(on, store, reporter);
            if (admin.isPresent()) {
                SnapshotCopier.dropSlotAndPublication(admin.get(), slot, slot);
            }
            return true;
        } catch (Exception e) {
            reporter.warn("could not drop replication slot " + slot + " on " + on.name() + ": " + e.getMessage()
                    + "; drop it by hand (SELECT pg_drop_replication_slot('" + slot + "')) or re-run destroy");
            return false;
        }
    }
}
