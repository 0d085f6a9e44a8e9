package io.imago.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far the shipper has brought the target, as other threads see it: the position up to which the target
 * holds every source commit, the newest applied commit's time, and the counters. Written by the shipping
 * thread only, read by any ({@link LogShipper#lag()}, {@link LogShipper#drainTo}).
 *
 * <p>"Holds" means committed on the target, visible to every reader. With asynchronous commits a crash of the
 * target may still take the newest of those commits away, but together with the position record written in
 * the same transactions ({@link ShippingRecord}): the next shipper resumes from the record and applies them
 * again, and the source keeps the log for that, because it is told a position only once the target's log is
 * flushed past it ({@link FlushedConfirmations}).
 */
final class AppliedProgress {
    private volatile Lsn applied = Lsn.ZERO;
    private volatile Lsn durable = Lsn.ZERO;
    private volatile Instant lastCommitTime;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();

    /** The target holds every source commit before this position. */
    Lsn applied() {
        return applied;
    }

    /**
     * The target holds every source commit before this position durably: in its flushed log (at most
     * {@link #applied()}). What {@link LogShipper#drainTo} waits for, so that nothing the switch counts on can
     * still vanish with a target crash once nobody ships any more.
     */
    Lsn durable() {
        return durable;
    }

    /** Moves the durable position forward (never back). */
    void durableUpTo(Lsn position) {
        if (durable.isBefore(position)) {
            durable = position;
        }
    }

    /** The source commit time of the newest applied transaction; null before the first. */
    Instant lastCommitTime() {
        return lastCommitTime;
    }

    long changes() {
        return changes.get();
    }

    long transactions() {
        return transactions.get();
    }

    /** Moves the position forward (never back): nothing before {@code position} is left to apply. */
    void reached(Lsn position) {
        if (applied.isBefore(position)) {
            applied = position;
        }
    }

    /** A source transaction that touched no migrated table ended at {@code end}: nothing to write, the position moves on. */
    void passed(Lsn end, Instant commitTime) {
        reached(end);
        lastCommitTime = commitTime;
    }

    /** A target transaction holding source transactions up to {@code end} committed. */
    void committed(Lsn end, Instant commitTime, long changeCount, long transactionCount) {
        lastCommitTime = commitTime;
        reached(end);
        changes.addAndGet(changeCount);
        transactions.addAndGet(transactionCount);
    }

    /** The lag against the source's position and clock {@code now}; see {@link LogShipper#lag()}. */
    LogShipper.Lag lag(SourceLagProbe probe, SourceLagProbe.SourceNow now, Instant startedAt) {
        Lsn a = applied;
        long bytes = a.isBefore(now.position()) ? now.position().value() - a.value() : 0;
        Duration time = probe.age(a, bytes > 0, now, lastCommitTime, startedAt);
        return new LogShipper.Lag(bytes, time, a, now.position());
    }
}
