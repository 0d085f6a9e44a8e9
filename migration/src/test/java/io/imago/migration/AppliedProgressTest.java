package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imago.migration.LogShipper.CrashPoint;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The applied position only moves forward; the counters add up; the crash hook fires where armed. */
class AppliedProgressTest {

    @Test
    void thePositionNeverMovesBack() {
        AppliedProgress p = new AppliedProgress();
        p.reached(new Lsn(100));
        p.reached(new Lsn(50));
        assertEquals(new Lsn(100), p.applied());
        p.committed(new Lsn(80), Instant.ofEpochSecond(1), 3, 2);
        assertEquals(new Lsn(100), p.applied());
        assertEquals(Instant.ofEpochSecond(1), p.lastCommitTime());
        p.passed(new Lsn(200), Instant.ofEpochSecond(2));
        assertEquals(new Lsn(200), p.applied());
        p.committed(new Lsn(300), Instant.ofEpochSecond(3), 4, 1);
        assertEquals(new Lsn(300), p.applied());
        assertEquals(7, p.changes());
        assertEquals(3, p.transactions());
    }

    @Test
    void theCrashHookFiresAtTheArmedCount() {
        CrashHook hook = new CrashHook();
        hook.atChange(); // not armed: nothing
        hook.arm(CrashPoint.AT_CHANGE, 2);
        hook.afterTargetCommit(new Lsn(1));
        hook.atChange();
        assertThrows(CrashHook.SimulatedCrash.class, hook::atChange);

        CrashHook commits = new CrashHook();
        commits.arm(CrashPoint.AFTER_TARGET_COMMIT, 2);
        commits.atChange();
        commits.afterTargetCommit(new Lsn(1));
        assertThrows(CrashHook.SimulatedCrash.class, () -> commits.afterTargetCommit(new Lsn(2)));
    }
}
