package io.imago.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C and SIGTERM, as the engine sees them: the CLI's shutdown hook calls {@link #request()}; the
 * running command stops at its next checkpoint (a step boundary, a wait, a progress report) through
 * its normal failure path, so that before the flip the old universe is left live, unfenced and
 * slot-free, and after it the new one stays live. The switch's pause is not interruptible: it is
 * short and bounded, and stopping inside it would only lengthen it.
 */
public final class Interruption {
    private static final AtomicBoolean REQUESTED = new AtomicBoolean();
    private static final ThreadLocal<Integer> CRITICAL = ThreadLocal.withInitial(() -> 0);

    private Interruption() {
    }

    /** Asks the running command to stop. */
    public static void request() {
        REQUESTED.set(true);
    }

    public static boolean requested() {
        return REQUESTED.get();
    }

    /** Throws when a stop was asked for, outside a critical section. */
    static void checkpoint() {
        if (REQUESTED.get() && CRITICAL.get() == 0) {
            throw EngineException.failed("interrupted (Ctrl-C or SIGTERM)");
        }
    }

    /** Runs {@code body} with checkpoints disabled on this thread. */
    static <T> T critical(java.util.concurrent.Callable<T> body) throws Exception {
        CRITICAL.set(CRITICAL.get() + 1);
        try {
            return body.call();
        } finally {
            CRITICAL.set(CRITICAL.get() - 1);
        }
    }

    /** The reporter a run's steps use: every progress report is a checkpoint (copies, catch-up and waits report often). */
    static Reporter checkpointing(Reporter r) {
        return new Reporter() {
            public void stepStarted(String step, String description) {
                r.stepStarted(step, description);
            }

            public void stepDone(String step, String detail, java.time.Duration took) {
                r.stepDone(step, detail, took);
            }

            public void stepSkipped(String step, String why) {
                r.stepSkipped(step, why);
            }

            public void info(String message) {
                r.info(message);
            }

            public void warn(String message) {
                r.warn(message);
            }

            public void progress(Progress p) {
                checkpoint();
                r.progress(p);
            }
        };
    }

    /** For tests. */
    static void reset() {
        REQUESTED.set(false);
    }
}
