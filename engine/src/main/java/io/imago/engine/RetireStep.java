package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.time.Instant;

/**
 * Keeps the replaced universe for the rollback window ({@code teardown.keepOld}), or tears it down
 * at once with {@code keepOld: 0}. Any later imago command retires it once the window ends.
 */
final class RetireStep implements Step {
    @Override
    public StepName name() {
        return StepName.RETIRE;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return ctx.old != null;
    }

    @Override
    public boolean planned(Blueprint bp) {
        return bp.replaces() != null;
    }

    @Override
    public String preview(Blueprint bp) {
        return bp.teardown().keepForever() ? "keep " + bp.replaces() + " until destroyed"
                : bp.teardown().keepOld().isZero() ? "tear " + bp.replaces() + " down at once"
                : "keep " + bp.replaces() + " for " + bp.teardown().keepOld().toMinutes() + " min of rollback, then tear it down";
    }

    @Override
    public String run(ApplyContext ctx) {
        UniverseState old = ctx.store.universe(ctx.old.name()).orElse(null);
        if (old == null) {
            return ctx.old.name() + " already torn down";
        }
        Duration keep = ctx.bp.teardown().keepOld();
        if (ctx.bp.teardown().keepForever()) {
            return ctx.old.name() + " kept until `imago destroy " + ctx.old.name() + "`";
        }
        if (keep.isZero()) {
            long t0 = System.nanoTime();
            new UniverseDestroyer(ctx.store, ctx.reporter).destroy(old, ctx.oldProvider, false);
            ctx.measure(Throughput.RETIRE, (System.nanoTime() - t0) / 1e9, "tearing " + old.name() + " down");
            boolean external = old.resources("database").stream().anyMatch(r -> ExternalDatabases.isExternal(Resources.resource(r)));
            return ctx.old.name() + " torn down" + (external ? " (its external database left in place, with its data)" : "");
        }
        Instant until = Instant.now().plus(keep);
        ctx.store.save(Fact.RETIRE_AFTER.set(old, until));
        return ctx.old.name() + " kept for rollback until " + until;
    }
}
