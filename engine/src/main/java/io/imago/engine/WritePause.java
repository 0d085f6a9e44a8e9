package io.imago.engine;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The switchover protocol's write pause (architecture.md), the same for a switch to a new universe
 * and for a rollback to the old one:
 * <ol>
 *   <li>hold new requests at the ingress (in-flight ones finish);</li>
 *   <li>fence the side being left for this session and note the log position;</li>
 *   <li>carry the sequences over, then drain shipping to the fence position within {@code maxPause} (else lift
 *       everything: that side stays live);</li>
 *   <li>the caller's last steps;</li>
 *   <li>make the side being left safe for good while the session fence still holds: the lasting fence (writers that
 *       bypass the ingress are refused), committed only once the ingress's hold is stretched (so that a crash from
 *       then on makes requests wait for the re-run), the stretch sent beside the revocation;</li>
 *   <li>flip the ingress and let the held requests through in one call: <b>the commit point</b>, reported
 *       to the caller at once so that it is recorded durably before anything else happens;</li>
 *   <li>lift the session fence.</li>
 * </ol>
 * Any failure before the flip lifts the lasting fence again and lets the held requests go to the side being
 * left, which stays live. A kill between the stretched hold and the flip may leave it fenced until the next command
 * lifts it (Fact.FENCING_OLD), requests held at the ingress meanwhile (at most {@link #CRASH_HOLD}); a kill before
 * that leaves it unfenced, the requests held at most {@code maxPause}. (Running the lasting fence beside the drain
 * was tried: it shortened the pause, but widened that window to the drain, which KillResumeIT refuses.) Nothing
 * after the flip can fail the pause. Connections are opened before
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
        CompletableFuture<long[]> lasting = null;
        long t0 = 0;
        boolean prepared = false;
        boolean flipped = false;
        try {
            fromDb = from.connectBrief();
            toDb = to.connectBrief();
            lastingDb = from.connectBrief();
            // Everything that can be done before the pause is: the sequences set ahead, the ingress's connection open.
            SequenceHandover sequences = SequenceHandover.prepare(fromDb, toDb, migration, SEQUENCE_MARGIN);
            ingress.prepareSwitch(ingressResource, toName, backends);
            WriteFence.prepareFence(lastingDb, fromAppRole);
            prepared = true;
            t0 = System.nanoTime();
            ingress.hold(ingressResource, maxPause);
            long held = System.nanoTime();
            fence = acquire(fenceConnection, fenced);
            long fencedAt = System.nanoTime();
            // Before the drain: the shipper applies meanwhile (sequences do not ship), so the drain then waits less.
            sequences.verify(fromDb, toDb, migration);
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
            lasting = fenceForGood(lastingDb, t0);
            long[] lastingTimes = join(lasting);
            long fencedForGood = System.nanoTime();
            ingress.pointAndRelease(ingressResource, toName, backends);
            flipped = true;
            FaultInjection.at(faultPoint, "flipping"); // flipped, not yet recorded
            long end = System.nanoTime();
            Result result = new Result((end - t0) / 1_000_000, fence.position(), String.format(
                    "requests in flight %d ms, fence %d ms, sequences %d ms, drain %d ms, lasting fence %d ms (hold stretched beside it in %d ms), "
                            + "flip %d ms",
                    ms(held - t0), ms(fencedAt - held), ms(sequencesDone - fencedAt), ms(drained - sequencesDone), ms(fencedForGood - ready),
                    ms(lastingTimes[0] - ready), ms(end - fencedForGood)));
            onFlip.flipped(result);
            return result;
        } catch (Exception e) {
            if (!flipped && lasting != null) {
                awaitQuietly(lasting);
                liftAfterFailure(e);
            } else if (prepared) {
                dropPreparedQuietly(e);
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

    /**
     * Starts what makes the side being left safe for good; the session fence holds its writers meanwhile. From the lasting fence to the flip that side refuses writes while the ingress still points at it.
     * Should imago die in that moment, the requests the ingress holds must wait for the re-run (which lifts the fence
     * first, see Fact.FENCING_OLD) rather than meet the fence: the hold is stretched to CRASH_HOLD first. The other
     * order (flip first, fence after) would let writers that bypass the ingress write to a database nobody reads any
     * more, and those writes would be lost: a longer wait is the lesser harm.
     *
     * @return when the hold was stretched and when the lasting fence stood ({@link System#nanoTime})
     */
    private CompletableFuture<long[]> fenceForGood(Connection c, long t0) {
        long[] stretchedAt = {0};
        return CompletableFuture.supplyAsync(() -> {
            // The stretch goes out alongside the revocation; the revocation commits only once the stretch is in place.
            CompletableFuture<Void> stretch = CompletableFuture.runAsync(() -> {
                ingress.hold(ingressResource, CRASH_HOLD);
                stretchedAt[0] = System.nanoTime();
            }, WritePause::ownThread);
            try {
                WriteFence.fenceWithinPause(c, fromAppRole, remaining(t0), stretch::join);
                FaultInjection.at(faultPoint, "fenced");
                return new long[] {stretchedAt[0], System.nanoTime()};
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, WritePause::ownThread);
    }

    private static void ownThread(Runnable r) {
        Thread t = new Thread(r, "imago-lasting-fence");
        t.setDaemon(true);
        t.start();
    }

    /** The lasting fence's outcome, its own failure rethrown as it was. */
    private static long[] join(CompletableFuture<long[]> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    /** Before lifting after a failure: the lasting fence must not go up after the lift. */
    private void awaitQuietly(CompletableFuture<long[]> f) {
        try {
            f.get(maxPause.toMillis() + CRASH_HOLD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException ignored) {
            // it failed (perhaps the failure being handled) or never stood: the lift that follows is idempotent
        }
    }

    /** Before the flip the side being left stays live: it must take writes again. */
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

    /** No fence went up: the table {@link WriteFence#prepareFence} made goes again (lift drops it when empty). */
    private void dropPreparedQuietly(Exception cause) {
        try {
            WriteFence.lift(from, fromAppRole);
        } catch (Exception e) {
            cause.addSuppressed(e);
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
