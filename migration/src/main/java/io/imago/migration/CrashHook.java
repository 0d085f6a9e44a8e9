package io.imago.migration;

import io.imago.migration.LogShipper.CrashPoint;

/**
 * Test hook: has the shipping thread die like a killed process at a chosen point, connections dropped and
 * nothing cleaned up. Set from the test's thread, checked by the shipping thread.
 */
final class CrashHook {
    /** What the shipping thread throws: caught by its loop, which then aborts (not closes) its connections. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String message) {
            super(message);
        }
    }

    private record Armed(CrashPoint point, long after) {
    }

    private volatile Armed armed;
    private long changesSeen;
    private long commitsDone;

    void arm(CrashPoint point, long after) {
        armed = new Armed(point, after);
    }

    /** A change is being applied: the target transaction is open. */
    void atChange() {
        Armed a = armed;
        if (a != null && a.point() == CrashPoint.AT_CHANGE && ++changesSeen >= a.after()) {
            throw new SimulatedCrash("at change " + changesSeen + ", inside a source transaction");
        }
    }

    /** A target transaction recording {@code end} just committed; the source has not been told. */
    void afterTargetCommit(Lsn end) {
        commitsDone++;
        Armed a = armed;
        if (a != null && a.point() == CrashPoint.AFTER_TARGET_COMMIT && commitsDone >= a.after()) {
            throw new SimulatedCrash("after target commit " + commitsDone + " (source position " + end + "), before telling the server");
        }
    }
}
