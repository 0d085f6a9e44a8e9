package io.imago.engine;

import io.imago.blueprints.Blueprint;
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
import java.time.Instant;
import java.util.HashSet;
import java.util.List;

/**
 * The switchover protocol (architecture.md, {@link WritePause}). The flip is the commit point: it is
 * recorded the instant it happens (the ingress's new target, the old universe marked as replaced), and
 * what follows it here (stopping the shipper, dropping the slot and publication on the old database)
 * is idempotent clean-up: if it fails, the apply fails with the new universe live, and a re-run, which
 * finds the ingress already on the new universe, finishes it.
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
    public boolean planned(Blueprint bp) {
        return true;
    }

    @Override
    public String preview(Blueprint bp) {
        return "point ingress " + bp.ingress().name() + " at " + bp.universe()
                + (bp.replaces() != null ? " (writes pause at most " + bp.switchover().maxWritePause().toMillis() + " ms)" : "");
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        long t0 = System.nanoTime();
        long pausedMs = 0;
        IngressState ing = ctx.ingressState().orElseThrow(() -> EngineException.failed("ingress " + ctx.bp.ingress().name() + " is missing"));
        Resource ingress = Resources.resource(ing.resource());
        List<Endpoint> backends = ctx.endpoints();
        boolean alreadyThere = new HashSet<>(ctx.ingressProvider().ingress().target(ingress)).equals(new HashSet<>(backends));
        String detail = "ingress " + ctx.ingressProvider().ingress().url(ingress) + " → " + ctx.bp.universe()
                + (ctx.crossesProviders() ? " (its front on " + ctx.provider.type() + ", " + backends.get(0) + ")" : " (" + Plural.count(backends.size(), "instance") + ")");
        // Put up by this run's pause; a flip made by an earlier, interrupted run may have died before its commit.
        boolean lastingFenceUp = false;
        if (!alreadyThere) {
            if (ctx.old == null || ctx.bp.database() == null) {
                // Nothing to fence or drain: a first version, or stateless instances replacing others.
                ctx.ingressProvider().ingress().point(ingress, ctx.bp.universe(), backends);
                recordFlip(ctx, null);
            } else {
                WritePause.Result r = flipWithFence(ctx, ingress, backends);
                lastingFenceUp = true; // committed inside the pause, before the flip
                pausedMs = r.pauseMs();
                detail += String.format("; writes paused %d ms (%s; fence at %s)", r.pauseMs(), r.breakdown(), r.fencePosition());
            }
        } else {
            recordFlip(ctx, null);
        }
        FaultInjection.at(StepName.SWITCHOVER.name(), "flipped");
        if (ctx.old != null) {
            cleanUpOld(ctx, lastingFenceUp);
        }
        // A first version's switch only points the ingress: measured, it would stand for a replacement's, which also
        // drains, fences and cleans up the old side's slot (0.1 s against 0.4 s here), and every forecast after it ran short.
        if (!alreadyThere && ctx.old != null) {
            double took = (System.nanoTime() - t0) / 1e9;
            ctx.measure(Throughput.SWITCHOVER_FIXED, Math.max(0, took - pausedMs / 1000.0), "a switch of " + Forecasts.seconds(took)
                    + (pausedMs > 0 ? ", " + pausedMs + " ms of it the write pause" : ""));
            if (pausedMs > 0) {
                ctx.measure(Throughput.WRITE_PAUSE, pausedMs / 1000.0, "a switch's write pause");
            }
        }
        return detail;
    }

    private static WritePause.Result flipWithFence(ApplyContext ctx, Resource ingress, List<Endpoint> backends) throws Exception {
        if (ctx.shipper == null) {
            throw new IllegalStateException("log shipping is not running");
        }
        PgEndpoint oldAdmin = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint newAdmin = SnapshotStep.endpoint(ctx.db(true));
        List<TableMigration> migration = SnapshotStep.resolve(ctx, oldAdmin, newAdmin);
        boolean wayBack = RollbackWindow.wanted(ctx) && !RollbackWindow.open(ctx, newAdmin, oldAdmin, migration).tables().isEmpty();
        Lsn[] wayBackFrom = {null};
        WritePause pause = new WritePause(ctx.ingressProvider().ingress(), ingress, backends, ctx.bp.universe(), ctx.old.name(), oldAdmin, ctx.oldDb(false).user(),
                newAdmin, migration, ctx.shipper, ctx.bp.switchover().maxWritePause(), ctx.bp.switchover().drainTimeout(),
                StepName.SWITCHOVER.name());
        // Recorded before the lasting fence goes up: a kill inside the pause leaves a trace that the next command lifts it by.
        ctx.update(s -> Fact.FENCING_OLD.set(s, Instant.now()));
        WritePause.Result r = Interruption.critical(() -> pause.run((from, to) -> {
            // Everything the forward shipping wrote on the new database lies before this position, every user write after it.
            // Recorded before the flip: a kill between the flip and its record must not lose the way back.
            wayBackFrom[0] = wayBack ? ReverseMigration.switchPosition(to) : null;
            if (wayBackFrom[0] != null) {
                ctx.update(s -> Fact.ROLLBACK_FROM.set(s, wayBackFrom[0]));
            }
        }, done -> recordFlip(ctx, s -> Fact.ROLLBACK_FROM.set(Fact.FENCE_LSN.set(Fact.WRITE_PAUSE_MS.set(s, done.pauseMs()),
                done.fencePosition()), wayBackFrom[0]))));
        return r;
    }

    /**
     * The commit record, written the instant the ingress has flipped: the new universe is live (with what the
     * pause measured), the ingress points at it, the old universe is replaced. Idempotent.
     */
    private static void recordFlip(ApplyContext ctx, java.util.function.UnaryOperator<UniverseState> measured) {
        ctx.update(s -> {
            UniverseState flipped = Fact.FENCING_OLD.clear(s.withPhase(Phase.LIVE));
            if (!Fact.FLIPPED_AT.isSet(flipped)) {
                flipped = Fact.FLIPPED_AT.set(flipped, Instant.now());
            }
            return measured == null ? flipped : measured.apply(flipped);
        });
        ctx.ingressState().ifPresent(i -> {
            if (!ctx.bp.universe().equals(i.live())) {
                ctx.store.save(i.pointedAt(ctx.bp.universe()));
            }
        });
        if (ctx.old != null) {
            ctx.store.universe(ctx.old.name()).ifPresent(old -> {
                if (old.phase() != Phase.RETIRING) {
                    ctx.store.save(Fact.REPLACED_BY.set(old.withPhase(Phase.RETIRING), ctx.bp.universe()));
                }
            });
        }
    }

    /** After the flip the old universe takes no write again, and its slot no longer holds WAL back. */
    private static void cleanUpOld(ApplyContext ctx, boolean lastingFenceInPlace) throws Exception {
        ctx.stopShipper();
        UniverseState old = ctx.store.universe(ctx.old.name()).orElse(null);
        if (old == null || old.resource("database").isEmpty() || ctx.bp.database() == null) {
            return; // torn down already, or no data moved
        }
        PgEndpoint oldAdmin = SnapshotStep.endpoint(ctx.oldDb(true));
        if (!lastingFenceInPlace) {
            // A flip made by an earlier run that died before its lasting fence's commit, or whose commit found the
            // server gone: the old database must refuse writes from now on (idempotent).
            WriteFence.fence(oldAdmin, ctx.oldDb(false).user(), Duration.ofSeconds(5));
        }
        String slot = Fact.SLOT.get(ctx.state());
        if (slot != null) {
            SnapshotCopier.dropSlotAndPublication(oldAdmin, slot, Fact.PUBLICATION.get(ctx.state()));
            ctx.update(s -> Fact.LAG.clear(Fact.PUBLICATION.clear(Fact.SLOT.clear(s))));
        }
    }
}
