package io.imago.engine;

import io.imago.blueprints.Blueprint;
/** Applies the blueprint's schema to the new database, as its owner. */
final class PrepareStep implements Step {
    @Override
    public StepName name() {
        return StepName.PREPARE;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return ctx.bp.database() != null && ctx.bp.database().schema() != null;
    }

    @Override
    public boolean planned(Blueprint bp) {
        return bp.database() != null && bp.database().schema() != null;
    }

    @Override
    public String preview(Blueprint bp) {
        return "apply " + bp.database().schema().getFileName() + " to the new database";
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        var schema = ctx.bp.database().schema();
        long t0 = System.nanoTime();
        boolean applied = SqlFiles.applyOnce(ctx.db(true), "schema:" + schema.getFileName(), schema);
        if (applied) {
            ctx.measure(Throughput.PREPARE, (System.nanoTime() - t0) / 1e9, "applying " + schema.getFileName());
        }
        return (applied ? "applied " : "already applied: ") + schema.getFileName();
    }
}
