package io.imago.engine;

import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.ReverseMigration;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.TableMigration;
import io.imago.migration.WriteFence;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * The switchover protocol (architecture.md). For an upgrade: hold new requests at the ingress,
 * fence writes on the old universe at its database and note the log position, drain shipping to
 * it (within {@code maxWritePause}, else lift everything and fail with the old universe live),
 * carry the sequences over, flip the ingress in one atomic call, let the held requests go to the
 * new universe, then fence the old universe for good and drop its slot. The pause is measured from
 * the fence to the release of the held requests.
 */
final class SwitchoverStep implements Step {
    @Override
    public StepName name() {
        return StepName.SWITCHOVER;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return true;
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        IngressState ing = ctx.ingressState().orElseThrow(() -> EngineException.failed("ingress " + ctx.bp.ingress().name() + " is missing"));
        Resource ingress = Resources.resource(ing.resource());
        List<Endpoint> backends = ctx.endpoints();
        boolean alreadyThere = new HashSet<>(ctx.provider.ingress().target(ingress)).equals(new HashSet<>(backends));
        String detail = "ingress " + ctx.provider.ingress().url(ingress) + " → " + ctx.bp.universe() + " (" + backends.size() + " instances)";
        if (!alreadyThere) {
            if (ctx.old == null) {
                ctx.provider.ingress().point(ingress, backends);
            } else {
                detail += flipWithFence(ctx, ingress, backends);
            }
        }
        ctx.store.save(ing.live() != null && ing.live().equals(ctx.bp.universe()) ? ing : ing.pointedAt(ctx.bp.universe()));
        if (ctx.old != null) {
            // After a flip made by this run the lasting fence is already in place; after a resumed one, make sure of it.
            retireOld(ctx, !alreadyThere);
        }
        ctx.update(s -> s.withPhase(Phase.LIVE));
        return detail;
    }

    private static String flipWithFence(ApplyContext ctx, Resource ingress, List<Endpoint> backends) throws Exception {
        if (ctx.shipper == null) {
            throw new IllegalStateException("log shipping is not running");
        }
        PgEndpoint oldAdmin = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint newAdmin = SnapshotStep.endpoint(ctx.db(true));
        List<TableMigration> migration = SnapshotStep.resolve(ctx, oldAdmin, newAdmin);
        boolean wayBack = RollbackWindow.wanted(ctx) && !RollbackWindow.open(ctx, newAdmin, oldAdmin, migration).tables().isEmpty();
        Lsn[] wayBackFrom = {null};
        WritePause pause = new WritePause(ctx.provider.ingress(), ingress, backends, ctx.old.name(), oldAdmin, ctx.oldDb(false).user(),
                newAdmin, migration, ctx.shipper, ctx.bp.switchover().maxWritePause(), ctx.bp.switchover().drainTimeout(),
                StepName.SWITCHOVER.name());
        WritePause.Result r = pause.run((from, to) -> {
            // Everything the forward shipping wrote on the new database lies before this position, every user write after it.
            wayBackFrom[0] = wayBack ? ReverseMigration.switchPosition(to) : null;
        }, done -> ctx.update(s -> s.withFact("writePauseMs", Long.toString(done.pauseMs())).withFact("fenceLsn", done.fencePosition())
                .withFact(RollbackWindow.FACT_FROM, wayBackFrom[0] == null ? null : wayBackFrom[0].toString())));
        return String.format("; writes paused %d ms (%s; fence at %s)", r.pauseMs(), r.breakdown(), r.fencePosition());
    }

    /** After the flip the old universe takes no write again, and its slot no longer holds WAL back. */
    private static void retireOld(ApplyContext ctx, boolean lastingFenceInPlace) throws Exception {
        if (ctx.shipper != null) {
            ctx.shipper.stop();
            ctx.shipper = null;
        }
        PgEndpoint oldAdmin = SnapshotStep.endpoint(ctx.oldDb(true));
        if (!lastingFenceInPlace) {
            WriteFence.fence(oldAdmin, ctx.oldDb(false).user(), Duration.ofSeconds(5));
        }
        String slot = ctx.state().fact("slot");
        if (slot != null) {
            SnapshotCopier.dropSlotAndPublication(oldAdmin, slot, ctx.state().fact("publication"));
            ctx.update(s -> s.withFact("slot", null).withFact("publication", null).withFact("lag", null));
        }
        UniverseState old = ctx.store.universe(ctx.old.name()).orElse(ctx.old);
        ctx.store.save(old.withPhase(Phase.RETIRING).withFact("replacedBy", ctx.bp.universe()));
    }
}
