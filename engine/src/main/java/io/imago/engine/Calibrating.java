package io.imago.engine;

import io.imago.migration.LiveCatalog;
import io.imago.migration.PgEndpoint;
import io.imago.migration.PgErrors;
import java.util.List;
import java.util.Locale;

/**
 * What the data steps measure for later forecasts ({@link Throughput}). A rate is taken only from work big enough to
 * show it (at least {@link #MIN_BYTES} over at least a second, half a second for checks, a tenth for the index builds' time beyond the copy): below that,
 * fixed costs swamp it. The fixed cost is whatever the step took beyond what the rates explain, so a small apply still
 * corrects it. Measuring never fails a step: a figure that cannot be taken is left as it was.
 */
final class Calibrating {
    static final long MIN_BYTES = 8L * 1024 * 1024;
    static final long MIN_ROWS = 10_000;

    private Calibrating() {}

    /** The migrated source tables' sizes from the catalog (as the read-only role), or null when it cannot be read. */
    static List<LiveCatalog.TableSize> sizes(ApplyContext ctx, PgEndpoint reader, List<String> sourceTables) {
        try {
            return LiveCatalog.tableSizes(reader).stream().filter(t -> sourceTables.contains(t.table())).toList();
        } catch (Exception e) {
            ctx.reporter.warn("could not read the size of " + ctx.old.name() + "'s tables (" + PgErrors.rootMessage(e)
                    + "): this copy's rates are not recorded");
            return null;
        }
    }

    static void snapshot(ApplyContext ctx, SnapshotProgress p, List<LiveCatalog.TableSize> sizes, double totalSeconds) {
        if (sizes == null) {
            return;
        }
        Calibration cal = Calibration.load(ctx.store, ctx.provider.type());
        long rows = p.rowsRead();
        long heap = Forecaster.heap(sizes);
        long index = Forecaster.index(sizes);
        double copy = p.copySeconds();
        // The forecast adds the index time to the copy's, so only what the builds took beyond the copy counts.
        double indexes = p.indexSecondsBeyondCopy();
        double rowsRate = cal.value(Throughput.COPY_ROWS);
        double bytesRate = cal.value(Throughput.COPY_BYTES);
        double indexRate = cal.value(Throughput.INDEX_BYTES);
        String over = String.format(Locale.ROOT, "%,d rows, %s of heap in %.1f s", rows, ByteSizes.human(heap), copy);
        if (copy >= 1 && rows >= MIN_ROWS) {
            rowsRate = rows / copy;
            ctx.measure(Throughput.COPY_ROWS, rowsRate, over);
        }
        if (copy >= 1 && heap >= MIN_BYTES) {
            bytesRate = heap / copy;
            ctx.measure(Throughput.COPY_BYTES, bytesRate, over);
        }
        // A tenth of a second is enough here: what the builds take beyond the copy is short by design (they start as soon
        // as a table's rows are in), and left unmeasured the shipped default, which knows nothing of the overlap, stays.
        if (indexes >= 0.1 && index >= MIN_BYTES) {
            indexRate = index / indexes;
            ctx.measure(Throughput.INDEX_BYTES, indexRate, String.format(Locale.ROOT, "%s of indexes in %.1f s", ByteSizes.human(index), indexes));
        }
        double explained = Math.max(rows / rowsRate, heap / bytesRate) + index / indexRate;
        ctx.measure(Throughput.SNAPSHOT_FIXED, Math.max(0, totalSeconds - explained), String.format(Locale.ROOT,
                "%.1f s in all, %.1f s of it explained by the rates", totalSeconds, Math.min(explained, totalSeconds)));
    }

    /** @param bytes source WAL shipped and applied during the step */
    static void catchUp(ApplyContext ctx, long bytes, double seconds) {
        if (bytes >= MIN_BYTES && seconds >= 1) {
            ctx.measure(Throughput.APPLY_BYTES, bytes / seconds, ByteSizes.human(bytes) + " of WAL in " + Forecasts.seconds(seconds));
            return;
        }
        double rate = Calibration.load(ctx.store, ctx.provider.type()).value(Throughput.APPLY_BYTES);
        ctx.measure(Throughput.CATCH_UP_FIXED, Math.max(0, seconds - bytes / rate), ByteSizes.human(bytes) + " of WAL in "
                + Forecasts.seconds(seconds));
    }

    /**
     * @param bytes source heap bytes the data checks compared
     * @param cutSeconds taking the consistent cut
     * @param checkSeconds the checks themselves, after the cut
     */
    static void dataChecks(ApplyContext ctx, long bytes, double cutSeconds, double checkSeconds) {
        double rate = Calibration.load(ctx.store, ctx.provider.type()).value(Throughput.CHECK_BYTES);
        if (bytes >= MIN_BYTES && checkSeconds >= 0.5) {
            rate = bytes / checkSeconds;
            ctx.measure(Throughput.CHECK_BYTES, rate, ByteSizes.human(bytes) + " compared in " + Forecasts.seconds(checkSeconds));
        }
        ctx.measure(Throughput.CHECK_FIXED, cutSeconds + Math.max(0, checkSeconds - bytes / rate), "the consistent cut "
                + Forecasts.seconds(cutSeconds) + ", the checks " + Forecasts.seconds(checkSeconds));
    }
}
