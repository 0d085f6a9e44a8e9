package io.imago.engine;

import io.imago.blueprints.Blueprint;
/** Loads seed data into a universe that replaces nothing (an upgrade gets its data from the old one). */
final class SeedStep implements Step {
    @Override
    public StepName name() {
        return StepName.SEED;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return ctx.old == null && ctx.bp.database() != null && ctx.bp.database().seed() != null;
    }

    @Override
    public boolean planned(Blueprint bp) {
        return bp.replaces() == null && bp.database() != null && bp.database().seed() != null;
    }

    @Override
    public String preview(Blueprint bp) {
        return "load " + bp.database().seed().getFileName();
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        var seed = ctx.bp.database().seed();
        long t0 = System.nanoTime();
        boolean applied = SqlFiles.applyOnce(ctx.db(true), "seed:" + seed.getFileName(), seed);
        if (applied) {
            ctx.measure(Throughput.SEED, (System.nanoTime() - t0) / 1e9, "loading " + seed.getFileName());
        }
        return (applied ? "loaded " : "already loaded: ") + seed.getFileName();
    }
}
