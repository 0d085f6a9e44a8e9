package io.imago.engine;

import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.ReverseMigration;
import io.imago.migration.SequenceSync;
import io.imago.migration.SessionFence;
import io.imago.migration.SnapshotCopier;
import io.imago.migration.TableMigration;
import io.imago.migration.WriteFence;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.UniverseState;
import java.sql.Connection;
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
        Duration maxPause = ctx.bp.switchover().maxWritePause();
        PgEndpoint oldAdmin = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint newAdmin = SnapshotStep.endpoint(ctx.db(true));
        List<String> tables = SnapshotStep.publicTables(oldAdmin);
        boolean wayBack = RollbackWindow.wanted(ctx)
                && !RollbackWindow.open(ctx, newAdmin, oldAdmin, SnapshotStep.resolve(ctx, oldAdmin, newAdmin)).tables().isEmpty();
        List<TableMigration> migration = SnapshotStep.resolve(ctx, oldAdmin, newAdmin);
        List<String> newTables = migration.stream().map(TableMigration::targetTable).toList();
        // Connections are opened before the pause: each costs a handshake and a password exchange.
        Connection fenceConnection = oldAdmin.connect();
        Connection target = null;
        Connection source = null;
        long t0 = 0;
        SessionFence fence = null;
        boolean released = false;
        try {
            target = newAdmin.connect();
            source = oldAdmin.connect();
            t0 = System.nanoTime();
            ctx.provider.ingress().hold(ingress, maxPause);
            long held = System.nanoTime();
            fence = SnapshotStep.acquireFence(ctx, fenceConnection, tables);
            long fenced = System.nanoTime();
            Duration left = maxPause.minusNanos(fenced - t0);
            if (left.isNegative() || !ctx.shipper.drainTo(Lsn.parse(fence.position()), left)) {
                throw EngineException.failed("draining the log to the fence would pause writes longer than switchover.maxWritePause ("
                        + maxPause.toMillis() + " ms); the fence is lifted and " + ctx.old.name() + " stays live");
            }
            long drained = System.nanoTime();
            FaultInjection.at(StepName.SWITCHOVER, "drained");
            SequenceSync.advance(target, newTables);
            SequenceSync.carryOver(source, target, migration);
            // Everything the forward shipping wrote on the new database lies before this position, every user write after it.
            Lsn wayBackFrom = wayBack ? ReverseMigration.switchPosition(target) : null;
            ctx.provider.ingress().pointAndRelease(ingress, backends);
            released = true;
            long end = System.nanoTime();
            long pauseMs = (end - t0) / 1_000_000;
            String parts = String.format("requests in flight %d ms, fence %d ms, drain %d ms, sequences and flip %d ms",
                    (held - t0) / 1_000_000, (fenced - held) / 1_000_000, (drained - fenced) / 1_000_000, (end - drained) / 1_000_000);
            String fenceLsn = fence.position();
            ctx.update(s -> s.withFact("writePauseMs", Long.toString(pauseMs)).withFact("fenceLsn", fenceLsn)
                    .withFact(RollbackWindow.FACT_FROM, wayBackFrom == null ? null : wayBackFrom.toString()));
            // Writers that bypass the ingress stay held by the session fence until the lasting one is in place.
            WriteFence.fence(oldAdmin, ctx.oldDb(false).user(), Duration.ofSeconds(5));
            return String.format("; writes paused %d ms (%s; fence at %s)", pauseMs, parts, fenceLsn);
        } finally {
            if (fence != null) {
                fence.release();
            } else {
                fenceConnection.close();
            }
            if (target != null) {
                target.close();
            }
            if (source != null) {
                source.close();
            }
            if (!released && t0 != 0) {
                ctx.provider.ingress().release(ingress);
            }
        }
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
