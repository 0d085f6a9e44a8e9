package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.migration.TransactionGroup.AtCommit;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Grouping without servers: fake clocks. */
class TransactionGroupTest {
    private long now = 1_000_000_000L;
    private Instant wall = Instant.parse("2026-12-02T10:00:00Z");
    /** How long after its commit on the source a transaction arrives. */
    private long arrivesAfterMillis = 3;
    private final TransactionGroup group = new TransactionGroup(() -> now, new SourceDelay(() -> wall, () -> now));

    private AtCommit transaction(long finalLsn, int changes, boolean targetOpenBefore) {
        group.begin(new Lsn(finalLsn));
        for (int i = 0; i < changes; i++) {
            if (!group.skipping()) {
                group.changed();
            }
        }
        return group.commit(new Lsn(finalLsn + 8), wall.minusMillis(arrivesAfterMillis), targetOpenBefore || (changes > 0 && !group.skipping()));
    }

    @Test
    void skipsTransactionsCommittedBeforeTheResumePosition() {
        group.resumeAt(new Lsn(1000));
        group.begin(new Lsn(900));
        assertTrue(group.skipping());
        assertTrue(group.inTransaction());
        assertEquals(AtCommit.SKIPPED, group.commit(new Lsn(908), Instant.EPOCH, false));
        assertFalse(group.inTransaction());
        group.begin(new Lsn(1000)); // its commit starts at the resume position: not applied yet
        assertFalse(group.skipping());
    }

    @Test
    void whileKeepingUpAGroupEndsUnlessMoreHasArrived() {
        group.resumeAt(Lsn.ZERO);
        assertEquals(AtCommit.COMMIT_UNLESS_MORE, transaction(100, 1, false));
        assertEquals(AtCommit.COMMIT_UNLESS_MORE, transaction(200, 0, true));
    }

    @Test
    void whileBehindItHoldsSmallTransactionsAndCountsOnlyThoseWithChanges() {
        group.resumeAt(Lsn.ZERO);
        assertEquals(AtCommit.NOTHING_TO_WRITE, transaction(50, 0, false)); // the quickest delivery seen: 3 ms
        arrivesAfterMillis = 3 + SourceDelay.BEHIND_MICROS / 1000 + 1;
        assertEquals(AtCommit.HOLD, transaction(100, 1, false));
        assertEquals(AtCommit.HOLD, transaction(200, 0, true)); // touched no migrated table, the group stays open
        assertEquals(AtCommit.HOLD, transaction(300, 2, true));
        assertEquals(3, group.changes());
        assertEquals(2, group.transactions());
        assertEquals(new Lsn(308), group.end());
        group.committed();
        assertEquals(0, group.changes());
        assertEquals(0, group.transactions());
    }

    @Test
    void aTransactionWithNothingToWriteOnlyMovesThePosition() {
        group.resumeAt(Lsn.ZERO);
        assertEquals(AtCommit.NOTHING_TO_WRITE, transaction(100, 0, false));
        assertEquals(new Lsn(108), group.end());
    }

    @Test
    void lateMeansLaterThanTheQuickestRecentDeliveryWhateverTheClocksSkew() {
        wall = wall.minusSeconds(3600); // this machine's clock an hour behind the source's: every delay negative
        SourceDelay delay = new SourceDelay(() -> wall, () -> now);
        Instant committed = wall.plusSeconds(3600);
        assertFalse(delay.behind(committed));
        wall = wall.plusMillis(1);
        assertFalse(delay.behind(committed.plusMillis(1).minusMillis(5))); // 5 ms: a little slower, not behind
        wall = wall.plusMillis(1);
        assertTrue(delay.behind(committed.plusMillis(2).minusMillis(12))); // 12 ms: 11 ms past the quickest
        // The quickest delivery is forgotten after 10-20 s: a lasting slower pace becomes the measure.
        for (int i = 0; i < 3; i++) {
            now += TimeUnit.SECONDS.toNanos(10);
            wall = wall.plusSeconds(10);
            delay.behind(wall.plusSeconds(3600).minusMillis(12));
        }
        assertFalse(delay.behind(wall.plusSeconds(3600).minusMillis(12)));
        assertTrue(delay.behind(wall.plusSeconds(3600).minusMillis(30)));
    }

    @Test
    void commitsWhenTheGroupIsFullOrOld() {
        group.resumeAt(Lsn.ZERO);
        assertEquals(AtCommit.COMMIT, transaction(100, TransactionGroup.MAX_CHANGES, false));
        group.committed();
        arrivesAfterMillis = 500; // behind: it would hold
        assertEquals(AtCommit.HOLD, transaction(200, 1, false));
        now += TimeUnit.MILLISECONDS.toNanos(TransactionGroup.MAX_MILLIS);
        assertEquals(AtCommit.COMMIT, transaction(300, 1, true));
    }

    @Test
    void resumingForgetsAHalfReceivedGroup() {
        group.resumeAt(Lsn.ZERO);
        transaction(100, 3, false);
        group.begin(new Lsn(200));
        group.changed();
        group.resumeAt(new Lsn(108));
        assertFalse(group.inTransaction());
        assertEquals(0, group.changes());
        assertEquals(0, group.transactions());
    }
}
