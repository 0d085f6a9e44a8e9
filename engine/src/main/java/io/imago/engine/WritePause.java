package io.imago.engine;

import io.imago.migration.LogShipper;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.PgErrors;
import io.imago.migration.SequenceSync;
import io.imago.migration.SessionFence;
import io.imago.migration.TableMigration;
import io.imago.migration.WriteFence;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.Resource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The switchover protocol's write pause (architecture.md), the same for a switch to a new universe
 * and for a rollback to the old one:
 * <ol>
 *   <li>hold new requests at the ingress (in-flight ones finish);</li>
 *   <li>fence the side being left for this session and note the log position;</li>
 *   <li>drain shipping to it within {@code maxPause} (else lift everything: that side stays live);</li>
 *   <li>make the side being left safe for good while the session fence still holds: sequences carried
 *       over, the lasting fence (writers that bypass the ingress are refused) written in the session fence's
 *       transaction, the caller's last steps;</li>
 *   <li>flip the ingress and let the held requests through in one call: <b>the commit point</b>;</li>
 *   <li>commit the session fence's transaction: the lasting fence takes effect as the session fence's locks go,
 *       so writers held by the locks meet the lasting fence; then report the flip to the caller at once, so that
 *       it is recorded durably before anything else happens.</li>
 * </ol>
 * Any failure before the flip, a kill included, rolls the lasting fence back with the session and lets the held
 * requests go to the side being left, which stays live and writable: nothing needs lifting. A kill in the moment
 * between the flip and that commit leaves the side left writable until the clean-up after the flip (which a
 * re-run does) fences it. Nothing after the flip can fail the pause. Connections are opened before
 * the pause (each costs a handshake and a password exchange), all with short timeouts: a server that stops
 * answering costs a bounded wait.
 *
 * @param backends where the ingress points at the flip: the instances of {@code toName}
 * @param toName the universe taking over, which the ingress is pointed at (a load balancer picks its target group by it)
 * @param from the database being left: fenced
 * @param fromAppRole the application's role on {@code from}, which the lasting fence revokes writes from
 * @param to the database taking over: its sequences move past {@code from}'s
 * @param migration how {@code from}'s tables map to {@code to}'s (for the sequences)
 * @param shipper ships {@code from}'s changes to {@code to}; null when nothing ships
 * @param faultPoint the step name {@link FaultInjection} knows this pause by
 */
record WritePause(IngressService ingress, Resource ingressResource, List<Endpoint> backends, String toName, String fromName, PgEndpoint from,
                  String fromAppRole, PgEndpoint to, List<TableMigration> migration, LogShipper shipper, Duration maxPause,
                  Duration drainTimeout, String faultPoint) {

    /** The caller's own work inside the pause, after the lasting fence and before the flip. */
    interface LastSteps {
        void run(Connection from, Connection to) throws Exception;
    }

    /** What the caller records the moment the ingress has flipped; it must not throw for long (it is the commit record). */
    interface OnFlip {
        void flipped(Result result);
    }

    /**
     * @param breakdown where the pause went, for the report
     * @param lastingFenceUp false when the flip happened but the lasting fence could not be committed (the server
     *     stopped answering right then): the clean-up after the flip must put it up
     */
    record Result(long pauseMs, String fencePosition, String breakdown, boolean lastingFenceUp) {
    }

    /**
     * Runs the pause.
     *
     * @throws Exception only from before the flip, when the side being left is live again and unfenced (or, when
     *     even lifting the fence failed, an {@link EngineException} that says so)
     */
    Result run(LastSteps lastSteps, OnFlip onFlip) throws Exception {
        List<String> fenced = SnapshotStep.publicTables(from);
        // The fence may wait drainTimeout for its locks; every other statement in the pause is short.
        Connection fenceConnection = from.connectFor(drainTimeout.plusSeconds(2));
        Connection fromDb = null;
        Connection toDb = null;
        SessionFence fence = null;
        long t0 = 0;
        boolean flipped = false;
        try {
            fromDb = from.connectBrief();
            toDb = to.connectBrief();
            t0 = System.nanoTime();
            ingress.hold(ingressResource, maxPause);
            long held = System.nanoTime();
            fence = acquire(fenceConnection, fenced);
            long fencedAt = System.nanoTime();
            if (shipper != null) {
                Duration left = maxPause.minusNanos(fencedAt - t0);
                if (left.isNegative() || !shipper.drainTo(Lsn.parse(fence.position()), left)) {
                    throw EngineException.failed("draining the log to the fence would pause writes longer than switchover.maxWritePause ("
                            + maxPause.toMillis() + " ms); the fence is lifted and " + fromName + " stays live");
                }
            }
            long drained = System.nanoTime();
            FaultInjection.at(faultPoint, "drained");
            SequenceSync.advance(toDb, migration.stream().map(TableMigration::targetTable).toList());
            SequenceSync.carryOver(fromDb, toDb, migration);
            long sequences = System.nanoTime();
            // Writers that bypass the ingress are held by the session fence now, and refused by the lasting fence from
            // its commit on. It is written inside the session fence's transaction and committed right after the flip:
            // if imago dies before the flip, the server rolls it back with the session and the side being left stays
            // live and writable, whoever re-runs imago and whenever.
            fence.within(c -> WriteFence.revokeWithin(c, fromAppRole));
            FaultInjection.at(faultPoint, "fenced");
            lastSteps.run(fromDb, toDb);
            long ready = System.nanoTime();
            ingress.pointAndRelease(ingressResource, toName, backends);
            flipped = true;
            FaultInjection.at(faultPoint, "flipping"); // flipped, the lasting fence not yet committed nor the flip recorded
            boolean lastingFenceUp = commitLastingFence(fence, fromDb);
            long end = System.nanoTime();
            Result result = new Result((end - t0) / 1_000_000, fence.position(),
                    String.format("requests in flight %d ms, fence %d ms, drain %d ms, sequences %d ms, lasting fence %d ms, flip %d ms",
                            ms(held - t0), ms(fencedAt - held), ms(drained - fencedAt), ms(sequences - drained),
                            ms(ready - sequences), ms(end - ready)), lastingFenceUp);
            onFlip.flipped(result);
            return result;
        } finally {
            if (fence != null) {
                fence.release();
            } else {
                fenceConnection.close();
            }
            closeQuietly(fromDb);
            closeQuietly(toDb);
            if (!flipped && t0 != 0) {
                releaseHeld();
            }
        }
    }

    /**
     * After the flip the side left must refuse writes for good. Should the commit not come back (the server froze or
     * dropped the session right then), the fence is put up again on the connection opened beforehand; if that fails
     * too, the clean-up after the flip, which a re-run also does, puts it up (see SwitchoverStep and RollbackRun).
     */
    private boolean commitLastingFence(SessionFence fence, Connection fromDb) {
        try {
            fence.commit();
            return true;
        } catch (SQLException commitFailed) {
            try {
                WriteFence.fence(fromDb, fromAppRole, Duration.ofSeconds(5));
                return true;
            } catch (SQLException | RuntimeException again) {
                return false;
            }
        }
    }

    private void releaseHeld() {
        try {
            ingress.release(ingressResource);
        } catch (RuntimeException e) {
            // The ingress lets held requests go by itself once maxPause has passed.
        }
    }

    private Duration remaining(long t0) {
        Duration left = maxPause.minusNanos(System.nanoTime() - t0);
        return left.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : left;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the session ends with the socket
            }
        }
    }

    private SessionFence acquire(Connection c, List<String> tables) {
        try {
            return SessionFence.acquire(c, tables, drainTimeout);
        } catch (SQLException e) {
            if (PgErrors.lockTimeout(e)) {
                throw EngineException.failed("writes in flight on " + fromName + " did not finish within drainTimeout ("
                        + drainTimeout.toSeconds() + "s); nothing was changed, try again or raise switchover.drainTimeout");
            }
            throw new EngineException(EngineException.Kind.FAILED, "cannot fence writes on " + fromName + ": " + e.getMessage(), e);
        }
    }
}
