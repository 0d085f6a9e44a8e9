package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Confirm only what the target flushed: a simulated target log, without servers. */
class FlushedConfirmationsTest {

    @Test
    void aCommitIsConfirmedOnlyOnceTheTargetFlushedPastIt() {
        FlushedConfirmations c = new FlushedConfirmations(new Lsn(100));
        assertEquals(new Lsn(100), c.confirmable(new Lsn(100)));
        c.committed(new Lsn(200), new Lsn(100)); // target commit position not known yet
        assertEquals(new Lsn(100), c.confirmable(new Lsn(200)));
        c.flushedTo(new Lsn(1_000_000)); // a flush reading from before the commit's position is known: proves nothing
        assertTrue(c.waiting());
        c.targetAt(new Lsn(5000)); // read after the commit returned: it ends at or before 5000
        c.flushedTo(new Lsn(4999));
        assertEquals(new Lsn(100), c.confirmable(new Lsn(200)));
        c.flushedTo(new Lsn(5000));
        assertFalse(c.waiting());
        assertEquals(new Lsn(200), c.confirmable(new Lsn(200)));
        assertEquals(new Lsn(300), c.confirmable(new Lsn(300))); // nothing pending: positions passed need no flush
    }

    @Test
    void positionsPassedAfterAPendingCommitWaitForIt() {
        FlushedConfirmations c = new FlushedConfirmations(Lsn.ZERO);
        c.committed(new Lsn(200), new Lsn(150));
        // A transaction touching no migrated table, or a keepalive, moved `applied` to 400 meanwhile.
        assertEquals(new Lsn(150), c.confirmable(new Lsn(400)));
        c.committed(new Lsn(500), new Lsn(400));
        c.targetAt(new Lsn(9000));
        c.flushedTo(new Lsn(9000));
        assertEquals(new Lsn(500), c.confirmable(new Lsn(500)));
    }

    @Test
    void aSynchronousCommitMakesEverythingDurable() {
        FlushedConfirmations c = new FlushedConfirmations(Lsn.ZERO);
        c.committed(new Lsn(200), Lsn.ZERO);
        c.committed(new Lsn(300), new Lsn(200));
        c.allFlushed();
        assertFalse(c.waiting());
        assertEquals(new Lsn(300), c.confirmable(new Lsn(300)));
    }

    /**
     * Random interleavings of commits, reads of the target's positions and flushes, driven as the shipping
     * thread drives it: the confirmable source position never covers a target commit beyond the flushed log.
     */
    @Test
    void theConfirmedPositionNeverExceedsTheTargetsFlushedPosition() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            FlushedConfirmations c = new FlushedConfirmations(new Lsn(1000));
            long targetLog = 10_000; // the target's insert position
            long targetFlushed = targetLog;
            long source = 1000;
            Lsn applied = new Lsn(1000);
            record Commit(long sourceEnd, long targetEnd) {
            }
            List<Commit> commits = new ArrayList<>();
            for (int step = 0; step < 300; step++) {
                switch (random.nextInt(5)) {
                    case 0, 1 -> { // a group commits: its record read the target's positions first
                        c.targetAt(new Lsn(targetLog));
                        c.flushedTo(new Lsn(targetFlushed));
                        source += 1 + random.nextInt(500);
                        targetLog += 1 + random.nextInt(300);
                        commits.add(new Commit(source, targetLog));
                        c.committed(new Lsn(source), applied);
                        applied = new Lsn(source);
                    }
                    case 2 -> { // idle: a transaction touching nothing migrated, or a keepalive
                        source += 1 + random.nextInt(100);
                        applied = new Lsn(source);
                    }
                    case 3 -> { // the walwriter flushes some of the log
                        targetFlushed = targetFlushed + (long) (random.nextDouble() * (targetLog - targetFlushed + 1));
                    }
                    default -> { // the idle poll
                        targetLog += random.nextInt(3); // other sessions write too
                        c.targetAt(new Lsn(targetLog));
                        c.flushedTo(new Lsn(targetFlushed));
                    }
                }
                Lsn confirmable = c.confirmable(applied);
                for (Commit k : commits) {
                    if (k.targetEnd() > targetFlushed) {
                        assertTrue(confirmable.value() < k.sourceEnd(), "round " + round + " step " + step + ": confirmable " + confirmable
                                + " covers source commit " + k.sourceEnd() + " whose target commit " + k.targetEnd() + " is beyond the flushed "
                                + targetFlushed);
                    }
                }
                assertTrue(!applied.isBefore(confirmable), "never beyond applied");
            }
            targetFlushed = targetLog;
            c.targetAt(new Lsn(targetLog));
            c.flushedTo(new Lsn(targetFlushed));
            assertEquals(applied, c.confirmable(applied), "once all is flushed, everything applied is confirmable");
        }
    }
}
