package io.imago.engine;

/** One step of the apply pipeline. Each is idempotent: re-run after a kill, it finishes the job. */
interface Step {
    StepName name();

    /** Whether this blueprint needs the step at all (a fresh universe has no SNAPSHOT). */
    boolean applies(ApplyContext ctx);

    /** Runs the step; returns a one-line summary for the journal and the report. */
    String run(ApplyContext ctx) throws Exception;
}
