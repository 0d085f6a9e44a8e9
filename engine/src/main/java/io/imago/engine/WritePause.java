package io.imago.engine;

import io.imago.migration.LogShipper;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
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
 * and for a rollback to the old one: hold new requests at the ingress (in-flight ones finish),
 * fence the side being left at its database and note the log position, drain shipping to it
 * within {@code maxWritePause} (else lift everything: that side stays live), carry the sequences
 * over, run the caller's own last steps, flip the ingress and let the held requests through in one
 * call, then fence the side left for good. Connections are opened before the pause: each costs a
 * handshake and a password exchange.
 *
 * @param from the database being left: fenced
 * @param to the database taking over: its sequences move past {@code from}'s
 * @param migration how {@code from}'s tables map to {@code to}'s (for the sequences)
 * @param shipper ships {@code from}'s changes to {@code to}; null when nothing ships
 * @param faultPoint the step name {@link FaultInjection} knows this pause by
 */
record WritePause(IngressService ingress, Resource ingressResource, List<Endpoint> backends, String fromName, PgEndpoint from,
                  String fromAppRole, PgEndpoint to, List<TableMigration> migration, LogShipper shipper, Duration maxPause,
                  Duration drainTimeout, String faultPoint) {

    /** The caller's own work inside the pause, after the sequences and before the flip. */
    interface LastSteps {
        void run(Connection from, Connection to) throws Exception;
    }

    /** @param breakdown where the pause went, for the report */
    record Result(long pauseMs, String fencePosition, String breakdown) {
    }

    /**
     * @param released runs as soon as the held requests are let through, before the lasting fence (which may
     *     wait for writers): the place to record what must survive a kill
     */
    Result run(LastSteps lastSteps, java.util.function.Consumer<Result> released) throws Exception {
        List<String> fenced = SnapshotStep.publicTables(from);
        Connection fenceConnection = from.connect();
        Connection fromDb = null;
        Connection toDb = null;
        SessionFence fence = null;
        long t0 = 0;
        boolean flipped = false;
        try {
            fromDb = from.connect();
            toDb = to.connect();
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
            lastSteps.run(fromDb, toDb);
            ingress.pointAndRelease(ingressResource, backends);
            flipped = true;
            long end = System.nanoTime();
            Result result = new Result((end - t0) / 1_000_000, fence.position(),
                    String.format("requests in flight %d ms, fence %d ms, drain %d ms, sequences and flip %d ms", (held - t0) / 1_000_000,
                            (fencedAt - held) / 1_000_000, (drained - fencedAt) / 1_000_000, (end - drained) / 1_000_000));
            released.accept(result);
            // Writers that bypass the ingress stay held by the session fence until the lasting one is in place.
            WriteFence.fence(from, fromAppRole, Duration.ofSeconds(5));
            return result;
        } finally {
            if (fence != null) {
                fence.release();
            } else {
                fenceConnection.close();
            }
            if (fromDb != null) {
                fromDb.close();
            }
            if (toDb != null) {
                toDb.close();
            }
            if (!flipped && t0 != 0) {
                ingress.release(ingressResource);
            }
        }
    }

    private SessionFence acquire(Connection c, List<String> tables) {
        try {
            return SessionFence.acquire(c, tables, drainTimeout);
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                throw EngineException.failed("writes in flight on " + fromName + " did not finish within drainTimeout ("
                        + drainTimeout.toSeconds() + "s); nothing was changed, try again or raise switchover.drainTimeout");
            }
            throw EngineException.failed("cannot fence writes on " + fromName + ": " + e.getMessage());
        }
    }
}
