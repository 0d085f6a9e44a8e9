package io.imago.engine;

import io.imago.blueprints.Blueprint;

/**
 * One step of the apply pipeline. Each is idempotent: re-run after a kill, it finishes the job. {@code plan}
 * walks the same pipeline as {@code apply} ({@link #planned}, {@link #preview}), so the two cannot disagree.
 */
interface Step {
    StepName name();

    /** Whether this blueprint needs the step at all (a fresh universe has no SNAPSHOT), given what the state holds. */
    boolean applies(ApplyContext ctx);

    /** Whether an apply of this blueprint will run the step, as the blueprint alone tells: what {@code plan} shows. */
    boolean planned(Blueprint bp);

    /** What the step will do, in one line, for {@code plan} (only asked when {@link #planned} is true). */
    String preview(Blueprint bp);

    /** Runs the step; returns a one-line summary for the journal and the report. */
    String run(ApplyContext ctx) throws Exception;
}
