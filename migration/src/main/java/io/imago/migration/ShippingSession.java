package io.imago.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One shipping session's connections: the target (its applier, the recorded position read on it) and the
 * slot's stream, opened from that position. What {@link LogShipper#start} opens, and every reconnect anew.
 * Owned by the shipping thread, except {@link #abort()}, which any thread may call.
 */
final class ShippingSession implements AutoCloseable {
    static final String SOURCE = "source";
    static final String TARGET = "target";

    private final Connection target;
    private final ChangeApplier applier;
    private final SlotStream stream;
    private final Optional<Lsn> recorded;
    private final Lsn from;

    private ShippingSession(Connection target, ChangeApplier applier, SlotStream stream, Optional<Lsn> recorded, Lsn from) {
        this.target = target;
        this.applier = applier;
        this.stream = stream;
        this.recorded = recorded;
        this.from = from;
    }

    /**
     * Reads the position recorded on the target and streams the slot from there, or from {@code startIfNoRecord}
     * when there is no record or it lies before that. Closes what it opened when it fails.
     *
     * @param side hears which server ({@link #SOURCE}, {@link #TARGET}) is being talked to: named when a connection is lost
     */
    static ShippingSession open(PgEndpoint source, PgEndpoint target, String slot, String publication, Lsn startIfNoRecord,
            Duration slotBusyWait, Consumer<String> side) throws SQLException {
        side.accept(TARGET);
        Connection t = target.connect();
        ChangeApplier applier = null;
        try {
            ShippingRecord.ensureTable(t);
            Optional<Lsn> rec = ShippingRecord.read(t, slot);
            Lsn from = startIfNoRecord;
            if (rec.isPresent() && from.isBefore(rec.get())) {
                from = rec.get();
            }
            ChangeApplier.prepareSession(t);
            applier = new ChangeApplier(t, source, slot);
            side.accept(SOURCE);
            SlotStream stream = SlotStream.open(source, slot, publication, from, slotBusyWait);
            return new ShippingSession(t, applier, stream, rec, from);
        } catch (SQLException | RuntimeException e) {
            if (applier != null) {
                applier.close();
            }
            closeQuietly(t);
            throw e;
        }
    }

    Connection target() {
        return target;
    }

    ChangeApplier applier() {
        return applier;
    }

    SlotStream stream() {
        return stream;
    }

    /** The position recorded on the target when the session opened; empty when there was none. */
    Optional<Lsn> recorded() {
        return recorded;
    }

    /** Where the stream starts: every source commit before it is on the target. */
    Lsn from() {
        return from;
    }

    /** Rolls the open target transaction back, if the target still answers (the thread is ending). */
    void rollbackQuietly() {
        try {
            if (applier.open() && !target.isClosed()) {
                applier.rollback();
            }
        } catch (SQLException ignored) {
            // the session is going away: the server rolls back
        }
    }

    /** Closes the stream and the target connection (no statement: bounded even when a server froze). */
    @Override
    public void close() {
        applier.close();
        stream.close();
        closeQuietly(target);
    }

    /** Pulls the connections from under the shipping thread (a crash, or stop() giving up waiting). Any thread. */
    void abort() {
        try {
            target.abort(Runnable::run);
        } catch (SQLException ignored) {
            // gone already
        }
        stream.abort();
        applier.abortSourceLookups();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
