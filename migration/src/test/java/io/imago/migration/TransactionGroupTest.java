package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.migration.TransactionGroup.AtCommit;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Grouping without servers: a fake clock. */
class TransactionGroupTest {
    private long now = 1_000_000_000L;
    private final TransactionGroup group = new TransactionGroup(() -> now);

    private AtCommit transaction(long finalLsn, int changes, boolean targetOpenBefore) {
        group.begin(new Lsn(finalLsn));
        for (int i = 0; i < changes; i++) {
            if (!group.skipping()) {
                group.changed();
            }
        }
        return group.commit(new Lsn(finalLsn + 8), Instant.ofEpochSecond(finalLsn), targetOpenBefore || (changes > 0 && !group.skipping()));
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
    void holdsSmallTransactionsAndCountsOnlyThoseWithChanges() {
        group.resumeAt(Lsn.ZERO);
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
    void commitsWhenTheGroupIsFullOrOld() {
        group.resumeAt(Lsn.ZERO);
        assertEquals(AtCommit.COMMIT, transaction(100, TransactionGroup.MAX_CHANGES, false));
        group.committed();
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
