package io.imago.migration;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Groups whole source transactions into one target transaction. The stream's Begin and Commit pass through
 * here: it decides which transactions to skip (their commit lies before the position shipping resumed from:
 * in the snapshot or applied already), counts the changes of the open group, and says when a Commit should
 * end the target transaction ({@link #MAX_CHANGES} changes or {@link #MAX_MILLIS} ms in the group); the
 * caller also ends it whenever nothing more is waiting. A group always ends at a source commit, so a reader
 * of the target never sees part of a source transaction. No I/O: the shipping thread owns it.
 */
final class TransactionGroup {
    static final int MAX_CHANGES = 5_000;
    static final long MAX_MILLIS = 200;

    /** What a source Commit means for the target transaction. */
    enum AtCommit {
        /** the transaction lay before the resume position: ignored */
        SKIPPED,
        /** the group holds no change (the transaction touched no migrated table): nothing to write, the position moves on */
        NOTHING_TO_WRITE,
        /** keep the target transaction open for the next source transaction */
        HOLD,
        /** the group is full: commit the target transaction now */
        COMMIT
    }

    private final LongSupplier nanoClock;
    private Lsn skipBefore = Lsn.ZERO;
    private boolean inTransaction;
    private boolean skipping;
    private Lsn end;
    private Instant commitTime;
    private int transactions;
    private long changes;
    private long transactionChanges;
    private long started;

    TransactionGroup() {
        this(System::nanoTime);
    }

    TransactionGroup(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** A new stream starts at {@code from}: forgets what the last one half sent; transactions committed before it are skipped. */
    void resumeAt(Lsn from) {
        skipBefore = from;
        inTransaction = false;
        skipping = false;
        end = null;
        commitTime = null;
        transactions = 0;
        changes = 0;
        transactionChanges = 0;
    }

    void begin(Lsn finalLsn) {
        inTransaction = true;
        transactionChanges = 0;
        skipping = finalLsn.isBefore(skipBefore);
    }

    /** Inside a source transaction whose changes are to be ignored. */
    boolean skipping() {
        return skipping;
    }

    /** Between a Begin and its Commit. */
    boolean inTransaction() {
        return inTransaction;
    }

    /** One change went into the target transaction. */
    void changed() {
        transactionChanges++;
        if (changes++ == 0) {
            started = nanoClock.getAsLong();
        }
    }

    /** @param targetOpen whether the target transaction holds changes (of this or earlier source transactions) */
    AtCommit commit(Lsn endLsn, Instant time, boolean targetOpen) {
        inTransaction = false;
        if (skipping) {
            skipping = false;
            return AtCommit.SKIPPED;
        }
        end = endLsn;
        commitTime = time;
        if (!targetOpen) {
            return AtCommit.NOTHING_TO_WRITE;
        }
        if (transactionChanges > 0) {
            transactions++;
        }
        boolean full = changes >= MAX_CHANGES || nanoClock.getAsLong() - started >= TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
        return full ? AtCommit.COMMIT : AtCommit.HOLD;
    }

    /** The end of the group's last source transaction: where a consumer resumes after the group. */
    Lsn end() {
        return end;
    }

    Instant commitTime() {
        return commitTime;
    }

    long changes() {
        return changes;
    }

    /** Source transactions in the group that changed a migrated table. */
    int transactions() {
        return transactions;
    }

    /** The target transaction committed: a new group begins. */
    void committed() {
        changes = 0;
        transactions = 0;
    }
}
