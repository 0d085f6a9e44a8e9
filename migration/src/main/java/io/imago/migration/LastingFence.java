package io.imago.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The {@link WriteFence} as a switch's write pause puts it up, in three parts so that one round trip of it falls
 * inside the pause:
 * <ol>
 *   <li>{@link #send}, before the pause: the revocation (the grants recorded, the privileges revoked, new sessions made
 *       read-only) runs in a transaction left open. Nobody sees it yet: the application goes on writing, and should
 *       imago die, the server rolls it back, leaving nothing behind, not even the table the grants are recorded in;</li>
 *   <li>{@link #commit}, inside the pause: the fence stands from the commit on;</li>
 *   <li>{@link #stopWriters}, after the flip: the role's sessions that could still commit a write are waited for,
 *       then terminated. Inside a pause a session fence locks every table the revocation covers, so no transaction
 *       of the role that wrote to one can still be open: this only catches writes to other schemas' tables.</li>
 * </ol>
 * The open transaction updates the fenced tables' catalog rows, which an ANALYZE of those tables (a user's, or
 * autovacuum's) waits for when it records its statistics: for the length of the pause at most.
 */
public final class LastingFence {
    private final Connection c;
    private final String appRole;
    /** Set once the commit is sent: from then on the fence may stand, even when the commit's answer never came. */
    private boolean commitSent;
    private boolean committed;

    private LastingFence(Connection c, String appRole) {
        this.c = c;
        this.appRole = appRole;
    }

    /**
     * Checks that {@code appRole} can be fenced (it exists and is no superuser) and sends the revocation, uncommitted,
     * on {@code owner} (an owner's connection in autocommit, which the fence uses until {@link #commit} or
     * {@link #abandon}).
     *
     * <p>The revocation's log records are then flushed ({@link SourceLogFlush}) on {@code other} (another connection to
     * the same database, in autocommit): until then a walsender cannot read up to a fence position taken after them,
     * and a drain to it waited for its nudge (then at 50 ms: measured).
     */
    public static LastingFence send(Connection owner, String appRole, Connection other) throws SQLException {
        WriteFence.checkRole(owner, appRole);
        owner.setAutoCommit(false);
        try {
            WriteFence.revokeWithin(owner, appRole);
            SourceLogFlush.flush(other, "fence sent");
        } catch (SQLException | RuntimeException e) {
            rollback(owner);
            throw e;
        }
        return new LastingFence(owner, appRole);
    }

    /**
     * One round trip: the fence stands once this returns. If it throws, whether it stands is unknown:
     * {@link WriteFence#lift} (idempotent) puts the source back either way.
     */
    public void commit() throws SQLException {
        commitSent = true;
        c.commit();
        committed = true;
        c.setAutoCommit(true);
    }

    /** True once {@link #commit} was called, whatever came of it: only {@link WriteFence#lift} undoes the fence then. */
    public boolean mayStand() {
        return commitSent;
    }

    /** Before {@link #commit}: takes the revocation back (nothing of it was ever visible). Never throws. */
    public void abandon() {
        if (!commitSent) {
            rollback(c);
        }
    }

    /**
     * After {@link #commit}: waits up to {@code maxWait} for the role's sessions that could still commit a write, then
     * terminates them and waits for their backends to go.
     *
     * @return how many were terminated
     */
    public int stopWriters(Duration maxWait) throws SQLException {
        if (!committed) {
            throw new IllegalStateException("the lasting fence for '" + appRole + "' is not committed");
        }
        FencedWriters.Stopped stopped = FencedWriters.stop(c, appRole, maxWait);
        FencedWriters.waitForExit(c, stopped.writers());
        return stopped.terminated();
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // a broken connection: the server rolls the transaction back when the session ends
        }
    }
}
