package io.imago.engine;

import io.imago.migration.LiveCatalog;
import io.imago.migration.PgErrors;
import io.imago.providers.spi.Provider;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code status} says of imago's replication slots on a universe's database: each with the WAL it
 * holds back, and a warning for one that holds much (a disk fills), is about to be invalidated, or that no
 * universe in this state knows (a leftover: nothing will ever read or drop it).
 */
final class SlotWatch {
    /** Past this much WAL held by one slot, status warns. */
    static final long WARN_BYTES = 1L << 30;

    private SlotWatch() {
    }

    record Report(List<UniverseView.SlotView> slots, List<String> warnings) {
        static final Report NONE = new Report(List.of(), List.of());
    }

    static Report of(StateStore store, UniverseState u, Provider p) {
        if (u.resource("database").isEmpty()) {
            return Report.NONE;
        }
        List<LiveCatalog.SlotUse> slots;
        try {
            var db = Resources.resource(u.resource("database").get());
            if (!p.database().alive(db)) {
                return Report.NONE;
            }
            slots = LiveCatalog.imagoSlots(SnapshotStep.endpoint(p.database().credentials(db, true)));
        } catch (Exception e) {
            return new Report(List.of(), List.of("could not read the replication slots on " + u.name() + "'s database: "
                    + PgErrors.rootMessage(e)));
        }
        Set<String> known = knownSlots(store);
        List<UniverseView.SlotView> views = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (LiveCatalog.SlotUse s : slots) {
            views.add(new UniverseView.SlotView(s.name(), s.active(), s.walHeldBytes(), s.walStatus()));
            String where = "replication slot " + s.name() + " on " + u.name() + "'s database";
            if (!known.contains(s.name())) {
                warnings.add(where + " belongs to no universe in this state and holds " + ByteSizes.human(s.walHeldBytes())
                        + " of WAL: drop it (SELECT pg_drop_replication_slot('" + s.name() + "')) unless another imago state uses it");
            } else if (s.walHeldBytes() > WARN_BYTES) {
                warnings.add(where + " holds " + ByteSizes.human(s.walHeldBytes()) + " of WAL back; it grows until the upgrade or "
                        + "rollback window that uses it ends");
            }
            if ("unreserved".equals(s.walStatus()) || "lost".equals(s.walStatus())) {
                warnings.add(where + " is " + s.walStatus() + ": past max_slot_wal_keep_size, the server drops the WAL it needs");
            }
        }
        return new Report(views, warnings);
    }

    /** The slots the universes of this state use: a migration's (on the replaced database) and a rollback window's. */
    private static Set<String> knownSlots(StateStore store) {
        Set<String> known = new HashSet<>();
        for (UniverseState u : store.universes()) {
            if (u.replaces() != null) {
                known.add(SnapshotStep.slotName(u.name()));
            }
            if (Fact.ROLLBACK_SLOT.isSet(u)) {
                known.add(Fact.ROLLBACK_SLOT.get(u));
            }
        }
        return known;
    }
}
