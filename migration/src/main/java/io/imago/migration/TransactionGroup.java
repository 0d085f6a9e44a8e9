package io.imago.migration;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Groups whole source transactions into one target transaction. The stream's Begin and Commit pass through
 * here: it decides which transactions to skip (their commit lies before the position shipping resumed from:
 * in the snapshot or applied already), counts the changes of the open group, and says when a Commit should
 * end the target transaction ({@link #MAX_CHANGES} changes or {@link #MAX_MILLIS} ms in the group). While
 * the stream keeps up ({@link SourceDelay}) the caller ends it as soon as nothing more has arrived: a change
 * then waits for no later one. While it is behind, the caller ends it only once the stream has nothing more
 * for a moment, so that fewer, larger commits leave the CPU to the walsender. A group always ends at a source
 * commit, so a reader of the target never sees part of a source transaction. No I/O: the shipping thread owns it.
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
        /** keep the target transaction open for the next source transaction: the stream is behind */
        HOLD,
        /** keeping up: commit the target transaction now, unless more has arrived already */
        COMMIT_UNLESS_MORE,
        /** the group is full: commit the target transaction now */
        COMMIT
    }

    private final LongSupplier nanoClock;
    private final SourceDelay delay;
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
        this(System::nanoTime, new SourceDelay());
    }

    TransactionGroup(LongSupplier nanoClock, SourceDelay delay) {
        this.nanoClock = nanoClock;
        this.delay = delay;
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
        boolean late = time != null && delay.behind(time);
        if (!targetOpen) {
            return AtCommit.NOTHING_TO_WRITE;
        }
        if (transactionChanges > 0) {
            transactions++;
        }
        boolean full = changes >= MAX_CHANGES || nanoClock.getAsLong() - started >= TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
        return full ? AtCommit.COMMIT : late ? AtCommit.HOLD : AtCommit.COMMIT_UNLESS_MORE;
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
