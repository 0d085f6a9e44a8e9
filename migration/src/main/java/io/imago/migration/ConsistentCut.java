package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Source and target frozen at one log position, for the data checks, with writes to the source held only
 * briefly. {@link #take} does, in order:
 * <ol>
 *   <li>the session fence on the source ({@link SessionFence}: EXCLUSIVE locks, writers wait) and its position;</li>
 *   <li>a snapshot exported on the source: a connection that stays in a REPEATABLE READ READ ONLY transaction and
 *       ran {@code pg_export_snapshot()}; it sees every write before the fence and none after;</li>
 *   <li>log shipping drained to the fence position;</li>
 *   <li>the same on the target: it now holds exactly the source's writes up to the fence;</li>
 *   <li>the fence lifted.</li>
 * </ol>
 * The fence is held for steps 1-4 only, and at most {@code maxHold}: past it the fence is lifted and
 * {@link NotInTime} thrown, the source untouched. The checks then read both snapshots at leisure, on
 * connections of their own that import them ({@link #openSource()}, {@link #openTarget()}), while the source
 * takes writes again and shipping goes on. Every transaction on the source is READ ONLY: even a bug in a check
 * cannot write to production. {@link #close()} ends the exporting transactions (until then the source's
 * vacuum keeps the row versions the snapshot may read, as during the bulk copy).
 *
 * <p>Privileges on the source: SELECT on the migrated tables, LOCK (EXCLUSIVE mode needs one of UPDATE, DELETE
 * or TRUNCATE, or ownership) for the fence, and nothing else; {@code pg_export_snapshot()} needs no privilege.
 */
public final class ConsistentCut implements AutoCloseable {
    /** How the target catches up with the source: {@link LogShipper#drainTo} fits. */
    @FunctionalInterface
    public interface Drain {
        /** @return false when {@code timeout} passed first */
        boolean drainTo(Lsn position, Duration timeout);
    }

    /** The target did not catch up with the fence within the hold allowed; the fence is lifted, the source untouched. */
    public static final class NotInTime extends Exception {
        private static final long serialVersionUID = 1L;
        private final long heldMillis;

        NotInTime(String message, long heldMillis) {
            super(message);
            this.heldMillis = heldMillis;
        }

        /** How long writes to the source were held before the fence was lifted. */
        public long heldMillis() {
            return heldMillis;
        }
    }

    private final PgEndpoint source;
    private final PgEndpoint target;
    private final Connection sourceExport;
    private final Connection targetExport;
    private final String sourceSnapshot;
    private final String targetSnapshot;
    private final Lsn position;
    private final long holdMillis;

    private ConsistentCut(PgEndpoint source, PgEndpoint target, Connection sourceExport, Connection targetExport, String sourceSnapshot,
                          String targetSnapshot, Lsn position, long holdMillis) {
        this.source = source;
        this.target = target;
        this.sourceExport = sourceExport;
        this.targetExport = targetExport;
        this.sourceSnapshot = sourceSnapshot;
        this.targetSnapshot = targetSnapshot;
        this.position = position;
        this.holdMillis = holdMillis;
    }

    /**
     * @param fenced the source tables whose writes are held for the cut (every table of schema public, as at the switch)
     * @param drain ships the source's changes to the target; null when nothing ships: then nothing is fenced, and
     *     the two snapshots are simply taken one after the other
     * @param maxHold the longest writes to the source may be held (the blueprint's {@code switchover.maxWritePause});
     *     waiting for in-flight writers counts, since new writers queue behind the fence's lock request
     * @throws NotInTime when the fence could not be taken, or the drain not done, within {@code maxHold}
     * @throws SQLException from either database; the fence is lifted and the snapshots released
     */
    public static ConsistentCut take(PgEndpoint source, PgEndpoint target, List<String> fenced, Drain drain, Duration maxHold)
            throws SQLException, NotInTime {
        return take(source, source, target, fenced, drain, maxHold);
    }

    /**
     * The same with the source's owner only for the fence (LOCK … IN EXCLUSIVE MODE needs a write privilege), and
     * every read of the source (the exported snapshot and the checks' connections) as {@code sourceReader}, a role
     * that can only read.
     */
    public static ConsistentCut take(PgEndpoint sourceOwner, PgEndpoint sourceReader, PgEndpoint target, List<String> fenced, Drain drain,
            Duration maxHold) throws SQLException, NotInTime {
        PgEndpoint source = sourceReader;
        Objects.requireNonNull(maxHold, "maxHold");
        Connection srcExport = null;
        Connection tgtExport = null;
        SessionFence fence = null;
        long t0 = 0;
        try {
            // Every connection is opened before the hold: a handshake must not count in it.
            srcExport = exporter(source);
            tgtExport = exporter(target);
            Connection fenceConnection = drain == null ? null : sourceOwner.connectFor(maxHold.plusSeconds(2));
            t0 = System.nanoTime();
            Lsn position = null;
            if (fenceConnection != null) {
                try {
                    fence = SessionFence.acquire(fenceConnection, fenced, maxHold);
                } catch (SQLException e) {
                    if (PgErrors.lockTimeout(e)) {
                        throw new NotInTime("writes in flight on the source did not finish within " + maxHold.toMillis()
                                + " ms, so no consistent cut could be taken; nothing was changed", ms(t0));
                    }
                    throw e;
                }
                position = Lsn.parse(fence.position());
            }
            String srcSnapshot = export(srcExport);
            if (fence != null) {
                Duration left = maxHold.minusNanos(System.nanoTime() - t0);
                if (left.isNegative() || !drain.drainTo(position, left)) {
                    fence.release();
                    throw new NotInTime("log shipping did not reach the fence position " + position + " within " + maxHold.toMillis()
                            + " ms; the fence was lifted and the source left as it was", ms(t0));
                }
            }
            String tgtSnapshot = export(tgtExport);
            if (fence != null) {
                fence.release();
            }
            long held = fence == null ? 0 : ms(t0);
            if (position == null) {
                position = currentPosition(srcExport);
            }
            return new ConsistentCut(source, target, srcExport, tgtExport, srcSnapshot, tgtSnapshot, position, held);
        } catch (SQLException | NotInTime | RuntimeException e) {
            if (fence != null) {
                fence.release();
            }
            closeQuietly(srcExport);
            closeQuietly(tgtExport);
            throw e;
        }
    }

    /** The source position both sides are cut at (the fence's; without a fence, roughly where the source's log was). */
    public Lsn position() {
        return position;
    }

    /** How long the source's writes were held for the cut, 0 when nothing was fenced. */
    public long holdMillis() {
        return holdMillis;
    }

    /**
     * A new source connection reading the cut: in a REPEATABLE READ READ ONLY transaction that imported the
     * source's snapshot, autocommit off (so result sets can stream with a fetch size). Close it when done.
     */
    public Connection openSource() throws SQLException {
        return importing(source, sourceSnapshot);
    }

    /** The same on the target: a REPEATABLE READ READ ONLY transaction that imported the target's snapshot. */
    public Connection openTarget() throws SQLException {
        return importing(target, targetSnapshot);
    }

    /** A target connection for work of the checks' own (temporary tables), not in the cut; autocommit on. */
    Connection openTargetWork() throws SQLException {
        Connection c = target.connect();
        try {
            sessionSettings(c);
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** Ends both exporting transactions: the snapshots cannot be imported any more. Idempotent. */
    @Override
    public void close() {
        closeQuietly(sourceExport);
        closeQuietly(targetExport);
    }

    private static Connection importing(PgEndpoint db, String snapshot) throws SQLException {
        Connection c = db.connect();
        try {
            sessionSettings(c);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
            }
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** A connection to hold a snapshot open for as long as the checks take. */
    private static Connection exporter(PgEndpoint db) throws SQLException {
        Connection c = db.connect();
        try (Statement st = c.createStatement()) {
            st.execute("SET idle_in_transaction_session_timeout = 0");
            st.execute("SET application_name = 'imago consistent cut'");
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private static String export(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static Lsn currentPosition(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    /**
     * No timeout of the role's may cut a check short, and values render alike on every connection the checks use
     * (the copy's text formats; UTC, so equal timestamps hash equally).
     */
    private static void sessionSettings(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = 0");
            st.execute("SET idle_in_transaction_session_timeout = 0");
            st.execute("SET TimeZone = 'UTC'");
            st.execute("SET DateStyle = 'ISO, YMD'");
            st.execute("SET IntervalStyle = postgres");
            st.execute("SET extra_float_digits = 3");
            st.execute("SET bytea_output = hex");
            st.execute("SET application_name = 'imago data checks'");
        }
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the session ends with the socket, and its transaction with it
            }
        }
    }
}
