package io.imago.engine;

import io.imago.migration.PgEndpoint;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.WriteFence;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;

/**
 * Points the ingress at the new universe in one atomic provider call, with new requests held (not
 * failed) for the instant it takes. For an upgrade, the old universe is then fenced for good at its
 * database, the session fence is lifted, and the write pause is measured from fence to flip.
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
        if (!alreadyThere) {
            if (ctx.old != null && (ctx.fence == null || !ctx.fence.held())) {
                // Only a fenced copy is complete; a fence lost with an earlier run means copy again.
                throw new IllegalStateException("the write fence was lost before the switch");
            }
            Duration maxPause = ctx.bp.switchover().maxWritePause();
            ctx.provider.ingress().hold(ingress, maxPause);
            try {
                ctx.provider.ingress().point(ingress, backends);
            } finally {
                ctx.provider.ingress().release(ingress);
            }
        }
        Instant flipped = Instant.now();
        ctx.store.save(ing.live() != null && ing.live().equals(ctx.bp.universe()) ? ing : ing.pointedAt(ctx.bp.universe()));
        String detail = "ingress " + ctx.provider.ingress().url(ingress) + " → " + ctx.bp.universe() + " (" + backends.size() + " instances)";
        if (ctx.old != null) {
            detail += retireOldWrites(ctx, flipped);
        }
        ctx.update(s -> s.withPhase(Phase.LIVE));
        return detail;
    }

    /** After the flip the old universe must never take a write again, whoever the writer is. */
    private static String retireOldWrites(ApplyContext ctx, Instant flipped) throws Exception {
        PgEndpoint oldAdmin = SnapshotStep.endpoint(ctx.oldDb(true));
        String appRole = ctx.oldDb(false).user();
        WriteFence.fence(oldAdmin, appRole, Duration.ofSeconds(5));
        String pause = "";
        if (ctx.fence != null) {
            long ms = Duration.between(ctx.fenceStarted, flipped).toMillis();
            ctx.fence.release();
            ctx.fence = null;
            ctx.update(s -> s.withFact("writePauseMs", Long.toString(ms)));
            pause = String.format("; writes paused %d ms (fence through copy and switch)", ms);
        }
        String slot = ctx.state().fact("slot");
        if (slot != null) {
            // No log shipping reads it yet: a slot nobody reads only holds WAL back on the old server.
            SnapshotCopier.dropSlotAndPublication(oldAdmin, slot, ctx.state().fact("publication"));
            ctx.update(s -> s.withFact("slot", null).withFact("publication", null));
        }
        UniverseState old = ctx.store.universe(ctx.old.name()).orElse(ctx.old);
        ctx.store.save(old.withPhase(Phase.RETIRING).withFact("replacedBy", ctx.bp.universe()));
        return pause;
    }
}
