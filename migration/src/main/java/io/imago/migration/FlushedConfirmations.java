package io.imago.migration;

import java.util.ArrayDeque;

/**
 * Which source position may be confirmed to the slot, when the target commits asynchronously
 * ({@code synchronous_commit = off}, as native logical replication's apply does): only one whose target
 * commit is in the target's flushed log. A target crash may take the newest commits away, but with their
 * position record (same transaction), so the next shipper applies them again; the source must still have
 * them then, hence no confirmation before the flush. A confirmation that lags is harmless (the slot sends
 * a little more again, skipped by its position); an early one would lose changes.
 *
 * <p>The target's commit position is not known when a commit returns; it is learned from the target's
 * current insert position read afterwards ({@link #targetAt}): every commit that returned before that read
 * ends at or before it. The flushed position ({@link #flushedTo}, {@code pg_current_wal_flush_lsn()}) then
 * releases the commits it covers. No I/O: the shipping thread feeds it what it reads.
 */
final class FlushedConfirmations {
    /** A target commit not yet known to be flushed. {@code targetEnd} null: not known yet. */
    private static final class Pending {
        final Lsn sourceEnd;
        Lsn targetEnd;

        Pending(Lsn sourceEnd) {
            this.sourceEnd = sourceEnd;
        }
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Every source commit before it is durably applied, or needed nothing on the target. */
    private Lsn durable;

    /** @param from where the stream starts: everything before it is recorded on the target already, durably */
    FlushedConfirmations(Lsn from) {
        this.durable = from;
    }

    /**
     * A target transaction recording {@code sourceEnd} committed (asynchronously).
     *
     * @param appliedBefore the applied position before it: when nothing is pending, that much needed nothing
     *     not durable already (source transactions that touched no migrated table)
     */
    void committed(Lsn sourceEnd, Lsn appliedBefore) {
        if (pending.isEmpty()) {
            durable = max(durable, appliedBefore);
        }
        pending.addLast(new Pending(sourceEnd));
    }

    /** The target's insert position, read after the commits so far returned: each of them ends at or before it. */
    void targetAt(Lsn targetInsert) {
        for (Pending p : pending) {
            if (p.targetEnd == null) {
                p.targetEnd = targetInsert;
            }
        }
    }

    /** The target's log is flushed up to {@code targetFlush}: the commits it covers are durable. */
    void flushedTo(Lsn targetFlush) {
        while (!pending.isEmpty() && pending.peekFirst().targetEnd != null && !targetFlush.isBefore(pending.peekFirst().targetEnd)) {
            durable = max(durable, pending.removeFirst().sourceEnd);
        }
    }

    /** A synchronous commit returned: the target flushed its log up to it, so every earlier commit is durable. */
    void allFlushed() {
        while (!pending.isEmpty()) {
            durable = max(durable, pending.removeFirst().sourceEnd);
        }
    }

    /** Whether some target commit is not yet known to be durable. */
    boolean waiting() {
        return !pending.isEmpty();
    }

    /**
     * The position the slot may be told: {@code applied} itself when every target commit is durable, else the
     * end of the last durable one.
     */
    Lsn confirmable(Lsn applied) {
        return pending.isEmpty() ? max(durable, applied) : durable;
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.isBefore(b) ? b : a;
    }
}
