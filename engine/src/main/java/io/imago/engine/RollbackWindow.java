package io.imago.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.migration.LogShipper;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.ReverseMigration;
import io.imago.migration.TableMigration;
import io.imago.migration.TableTransform;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollback window's way back, kept on the universe that went live: which of its tables ship
 * back to the replaced universe and how (recorded at the switch, since {@code imago rollback}
 * gets no blueprint), the slot on its database that keeps their changes, and the position from
 * which those changes are the users' own.
 *
 * <p>Why a slot and not a shipper running for the whole window: nothing has to keep running
 * between imago commands, and the slot survives crashes and reboots. The price is the new
 * database's WAL since the switch, kept until the window closes, and a catch-up at rollback time
 * (done before the pause, like the forward one).
 */
final class RollbackWindow {


    private static final ObjectMapper JSON = new ObjectMapper();

    private RollbackWindow() {
    }

    /** Whether the blueprint keeps the replaced universe after its switch at all. */
    static boolean wanted(ApplyContext ctx) {
        return ctx.old != null && ctx.bp.database() != null
                && (ctx.bp.teardown().keepForever() || !ctx.bp.teardown().keepOld().isZero());
    }

    static String slotName(String universe) {
        return "imago_back_" + universe.replace('-', '_');
    }

    /**
     * Before the switch's pause: resolves the way back against both catalogs, creates the publication
     * and slot on the new database, and records the way back on the new universe.
     */
    static ReverseMigration.Plan open(ApplyContext ctx, PgEndpoint newAdmin, PgEndpoint oldAdmin, List<TableMigration> forward)
            throws Exception {
        ReverseMigration.Plan plan;
        try (Connection n = newAdmin.connect(); Connection o = oldAdmin.connect()) {
            plan = ReverseMigration.resolve(n, o, forward);
        }
        String slot = slotName(ctx.bp.universe());
        ReverseMigration.prepare(newAdmin, slot, slot, plan);
        // A window opens with nothing shipped back yet: a record left by an earlier universe of this name is void.
        LogShipper.forget(oldAdmin, slot);
        ctx.update(s -> {
            UniverseState u = Fact.ROLLBACK_SLOT.set(s, plan.tables().isEmpty() ? null : slot);
            u = Fact.ROLLBACK_TRANSFORMS.set(u, json(plan.transforms()));
            u = Fact.ROLLBACK_LOSES.set(u, plan.lossless() ? null : json(plan.lossy()));
            u = Fact.ROLLBACK_MAX_PAUSE_MS.set(u, ctx.bp.switchover().maxWritePause().toMillis());
            return Fact.ROLLBACK_DRAIN_MS.set(u, ctx.bp.switchover().drainTimeout().toMillis());
        });
        return plan;
    }

    /**
     * The way back recorded at the switch, resolved against the catalogs as they are now; tables the
     * switch already found lossy, and tables of the new database no recorded way covers, are lossy.
     */
    static ReverseMigration.Plan resolveRecorded(UniverseState live, PgEndpoint newAdmin, PgEndpoint oldAdmin) throws Exception {
        List<TableTransform> transforms = !Fact.ROLLBACK_TRANSFORMS.isSet(live) ? List.of()
                : JSON.readValue(Fact.ROLLBACK_TRANSFORMS.get(live), new TypeReference<List<TableTransform>>() { });
        Map<String, String> recordedLossy = !Fact.ROLLBACK_LOSES.isSet(live) ? Map.of()
                : JSON.readValue(Fact.ROLLBACK_LOSES.get(live), new TypeReference<LinkedHashMap<String, String>>() { });
        try (Connection n = newAdmin.connect(); Connection o = oldAdmin.connect()) {
            ReverseMigration.Plan now = ReverseMigration.resolveInverse(n, o, transforms);
            Map<String, String> lossy = new LinkedHashMap<>(now.lossy());
            lossy.putAll(recordedLossy);
            return new ReverseMigration.Plan(now.transforms(), now.tables(), lossy);
        }
    }

    /** Where the users' own writes on the new universe begin; null when the switch did not record it. */
    static Lsn from(UniverseState live) {
        return Fact.ROLLBACK_FROM.get(live);
    }

    /** Closes the window: the slot stops holding the new database's WAL. Idempotent. */
    static void close(StateStore store, UniverseState live, Reporter reporter) {
        String slot = Fact.ROLLBACK_SLOT.get(live);
        if (slot == null) {
            return;
        }
        if (SlotCleanup.drop(store, live, slot, reporter)) {
            store.universe(live.name()).ifPresent(u -> store.save(Fact.ROLLBACK_FROM.clear(Fact.ROLLBACK_SLOT.clear(u))));
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
