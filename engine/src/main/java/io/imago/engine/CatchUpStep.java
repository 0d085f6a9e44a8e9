package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.migration.LogShipper;
import io.imago.migration.LogShippingException;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.PgErrors;
import io.imago.migration.TableMigration;
import java.time.Duration;
import java.util.List;

/**
 * Ships the old universe's change log, from where the snapshot (or an earlier run's shipping)
 * stopped, through the same transforms, until the lag is under {@code logShipping.maxLag}. The
 * shipper keeps running until the switch; its lag is shown live and recorded for {@code status}.
 */
final class CatchUpStep implements Step {
    /** Bytes of log still to ship that count as caught up, whatever the time lag. */
    private static final long MAX_LAG_BYTES = 16L * 1024 * 1024;
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    @Override
    public StepName name() {
        return StepName.CATCH_UP;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return ctx.old != null && ctx.bp.database() != null;
    }

    @Override
    public boolean planned(Blueprint bp) {
        return bp.replaces() != null && bp.database() != null;
    }

    @Override
    public String preview(Blueprint bp) {
        return "ship " + bp.replaces() + "'s changes through the same transforms until the lag is under "
                + TimeSpans.human(bp.migrationOrDefault().maxLag());
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        PgEndpoint source = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint target = SnapshotStep.endpoint(ctx.db(true));
        List<TableMigration> tables = SnapshotStep.resolve(ctx, source, target);
        String slot = Fact.SLOT.get(ctx.state());
        Lsn start = Fact.SNAPSHOT_LSN.get(ctx.state());
        if (ctx.shipper != null) {
            ctx.shipper.stop();
        }
        // A restart of either server, or a dropped connection, costs a reconnect (with backoff), not the copy.
        // The old database is read (its slot streamed, unchanged TOAST values looked up) by a role that cannot write.
        PgEndpoint reader = SnapshotStep.endpoint(ctx.oldReader());
        ctx.shipper = new LogShipper(reader, target, slot, Fact.PUBLICATION.get(ctx.state()), tables).onReconnect(ctx.reporter::warn);
        ctx.shipper.start(start);
        FaultInjection.at(StepName.CATCH_UP, "shipping");
        Duration maxLag = ctx.bp.migrationOrDefault().maxLag();
        long t0 = System.nanoTime();
        long[] lastRecord = {0};
        boolean caughtUp;
        try {
            caughtUp = ctx.shipper.awaitLagBelow(MAX_LAG_BYTES, maxLag, TIMEOUT, lag -> {
                long now = System.nanoTime();
                ctx.reporter.progress(new Progress("CATCH_UP", "changes applied", ctx.shipper.changesApplied(), 0, false,
                        Duration.ofNanos(now - t0), null, "lag " + brief(lag) + " (target " + io.imago.blueprints.Durations.format(maxLag) + ")"));
                if (now - lastRecord[0] > 2_000_000_000L) {
                    lastRecord[0] = now;
                    ctx.update(s -> Fact.LAG.set(s, brief(lag)));
                }
            });
        } catch (LogShippingException e) {
            throw new EngineException(EngineException.Kind.FAILED, "log shipping failed: " + PgErrors.rootMessage(e), e);
        }
        if (!caughtUp) {
            throw EngineException.failed("log shipping did not catch up within " + TIMEOUT.toMinutes() + " min: the old universe writes faster than "
                    + ctx.bp.universe() + " applies");
        }
        LogShipper.Lag lag = ctx.shipper.lag();
        ctx.update(s -> Fact.LAG.set(s, brief(lag)));
        Lsn from = ctx.shipper.recordedAtStart().orElse(start);
        Calibrating.catchUp(ctx, from.isBefore(lag.applied()) ? lag.applied().value() - from.value() : 0, (System.nanoTime() - t0) / 1e9);
        return String.format("caught up: %s in %s applied, lag %s",
                Plural.count(ctx.shipper.changesApplied(), "change"), Plural.count(ctx.shipper.transactionsApplied(), "transaction"), brief(lag));
    }

    /** Lag as status and the progress line show it: bytes and time, without the positions. */
    static String brief(LogShipper.Lag lag) {
        return ByteSizes.human(lag.bytes()) + ", " + TimeSpans.human(lag.seconds());
    }
}
