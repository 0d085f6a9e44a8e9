package io.imago.engine;

import io.imago.migration.LastingFence;
import io.imago.migration.LogShipper;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.PgErrors;
import io.imago.migration.SequenceHandover;
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
import java.util.Map;

/**
 * The switchover protocol's write pause (architecture.md), the same for a switch to a new universe
 * and for a rollback to the old one. Before the pause, everything that can be done is: connections opened, the
 * sequences set ahead, the ingress's record of the flip written, and the lasting fence sent in a transaction left
 * open ({@link LastingFence}). Then:
 * <ol>
 *   <li>hold new requests at the ingress (in-flight ones finish);</li>
 *   <li>fence the side being left for this session, noting the log position and the sequences' values (one round
 *       trip);</li>
 *   <li>check the target's sequences against those values (one round trip, while the shipper applies what is left);</li>
 *   <li>drain shipping to the fence position within {@code maxPause} (else lift everything: that side stays live);</li>
 *   <li>the caller's last steps;</li>
 *   <li>stretch the ingress's hold (so that a crash from then on makes requests wait for the re-run);</li>
 *   <li>commit the lasting fence: the side being left refuses writers that bypass the ingress, for good;</li>
 *   <li>flip the ingress and let the held requests through in one call: <b>the commit point</b>, reported
 *       to the caller at once so that it is recorded durably before anything else happens;</li>
 *   <li>stop the fenced role's remaining writers, then lift the session fence.</li>
 * </ol>
 * Any failure before the lasting fence's commit rolls it back (nothing of it was ever visible); one after it lifts it
 * again; either way held requests go to the side being left, which stays live. A kill between the stretched hold and
 * the flip may leave it fenced until the next command lifts it (Fact.FENCING_OLD), requests held at the ingress
 * meanwhile (at most {@link #CRASH_HOLD}); a kill before that leaves it unfenced (the server rolls the open
 * transaction back), the requests held at most {@code maxPause}. The other order (flip first, fence after) would let
 * writers that bypass the ingress write to a database nobody reads any more, and lose those writes: a longer wait is
 * the lesser harm. (Stretching and fencing beside the drain was tried: it shortened the pause, but widened that window
 * to the drain, which KillResumeIT refuses.) Nothing after the flip can fail the pause. All connections have short
 * timeouts: a server that stops answering costs a bounded wait.
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
     * How far ahead of every value handed out so far the new side's sequences are set before the pause, so that
     * inside it they normally need no move (see {@link SequenceHandover}); the gap this leaves is harmless.
     */
    static final long SEQUENCE_MARGIN = 1000;

    /** How long the ingress holds requests when imago dies between the lasting fence and the flip (see {@link #run}). */
    static final Duration CRASH_HOLD = Duration.ofSeconds(30);

    /** @param breakdown where the pause went, for the report */
    record Result(long pauseMs, String fencePosition, String breakdown) {
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
        Connection lastingDb = null;
        SessionFence fence = null;
        LastingFence lasting = null;
        long t0 = 0;
        boolean flipped = false;
        try {
            fromDb = from.connectBrief();
            toDb = to.connectBrief();
            lastingDb = from.connectBrief();
            SequenceHandover sequences = SequenceHandover.prepare(fromDb, toDb, migration, SEQUENCE_MARGIN);
            SessionFence.warm(fenceConnection, fenced, sequences.sourceSequences());
            ingress.prepareSwitch(ingressResource, toName, backends);
            lasting = LastingFence.send(lastingDb, fromAppRole, fromDb);
            t0 = System.nanoTime();
            ingress.hold(ingressResource, maxPause);
            long held = System.nanoTime();
            fence = acquire(fenceConnection, fenced, sequences.sourceSequences());
            long fencedAt = System.nanoTime();
            // While the shipper applies what is left (sequences do not ship): the drain then waits less.
            verify(sequences, fence.sequenceValues(), toDb);
            long sequencesDone = System.nanoTime();
            if (shipper != null) {
                Duration left = maxPause.minusNanos(sequencesDone - t0);
                if (left.isNegative() || !shipper.drainTo(Lsn.parse(fence.position()), left)) {
                    throw EngineException.failed("draining the log to the fence would pause writes longer than switchover.maxWritePause ("
                            + maxPause.toMillis() + " ms); the fence is lifted and " + fromName + " stays live");
                }
            }
            long drained = System.nanoTime();
            FaultInjection.at(faultPoint, "drained");
            lastSteps.run(fromDb, toDb);
            long ready = System.nanoTime();
            // Only now, with everything that can fail on the way done: until the drain is over, a kill must leave the
            // old side unfenced and its requests held no longer than maxPause (KillResumeIT, SWITCHOVER:drained).
            ingress.extendHold(ingressResource, CRASH_HOLD);
            long stretched = System.nanoTime();
            lasting.commit();
            FaultInjection.at(faultPoint, "fenced");
            long fencedForGood = System.nanoTime();
            ingress.pointAndRelease(ingressResource, toName, backends);
            flipped = true;
            FaultInjection.at(faultPoint, "flipping"); // flipped, not yet recorded
            long end = System.nanoTime();
            Result result = new Result((end - t0) / 1_000_000, fence.position(), String.format(
                    "requests in flight %d ms, fence %d ms, sequences %d ms, drain %d ms, hold stretched %d ms, lasting fence %d ms, flip %d ms",
                    ms(held - t0), ms(fencedAt - held), ms(sequencesDone - fencedAt), ms(drained - sequencesDone), ms(stretched - ready),
                    ms(fencedForGood - stretched), ms(end - fencedForGood)));
            onFlip.flipped(result);
            stopWritersQuietly(lasting, t0);
            return result;
        } catch (Exception e) {
            if (lasting != null && lasting.mayStand() && !flipped) {
                liftAfterFailure(e);
            } else if (lasting != null) {
                lasting.abandon();
            }
            throw e;
        } finally {
            if (fence != null) {
                fence.release();
            } else {
                fenceConnection.close();
            }
            closeQuietly(fromDb);
            closeQuietly(toDb);
            closeQuietly(lastingDb);
            if (!flipped && t0 != 0) {
                releaseHeld();
            }
        }
    }

    private Map<String, Long> verify(SequenceHandover sequences, Map<String, Long> sourceValues, Connection target) {
        try {
            return sequences.verify(sourceValues, target);
        } catch (SQLException e) {
            throw new EngineException(EngineException.Kind.FAILED, "cannot move the sequences of " + toName + " past " + fromName + "'s: "
                    + e.getMessage(), e);
        }
    }

    /**
     * After the flip, with the session fence still up: writers of the fenced role that could still commit (only
     * possible on tables the session fence does not lock) are ended. Nothing here may fail the switch, which is made.
     */
    private void stopWritersQuietly(LastingFence lasting, long t0) {
        try {
            lasting.stopWriters(remaining(t0));
        } catch (SQLException | RuntimeException e) {
            // the old side refuses new writes already; a writer that outlives this ends with its session
        }
    }

    /** After the lasting fence's commit, before the flip: the side being left stays live and must take writes again. */
    private void liftAfterFailure(Exception cause) {
        try {
            WriteFence.lift(from, fromAppRole);
        } catch (Exception lift) {
            cause.addSuppressed(lift);
            throw new EngineException(EngineException.Kind.FAILED, "the switch failed before the flip (" + PgErrors.rootMessage(cause)
                    + ") and the write fence on " + fromName + " could not be lifted (" + PgErrors.rootMessage(lift) + "): "
                    + fromName + " serves reads but refuses writes until a re-run of the same command lifts it", cause);
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

    private SessionFence acquire(Connection c, List<String> tables, List<String> sequences) {
        try {
            return SessionFence.acquire(c, tables, sequences, drainTimeout);
        } catch (SQLException e) {
            if (PgErrors.lockTimeout(e)) {
                throw EngineException.failed("writes in flight on " + fromName + " did not finish within drainTimeout ("
                        + drainTimeout.toSeconds() + "s); nothing was changed, try again or raise switchover.drainTimeout");
            }
            throw new EngineException(EngineException.Kind.FAILED, "cannot fence writes on " + fromName + ": " + e.getMessage(), e);
        }
    }
}
