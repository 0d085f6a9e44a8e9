package io.imago.engine;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One reading of long work, for a live bar, a log line or a JSON event: how much of what is done, of a total that
 * may be an estimate (the catalog's row counts) or unknown (0), with the item being worked on now.
 *
 * @param step the pipeline step (SNAPSHOT, CATCH_UP, PROVISION...)
 * @param what the unit counted, plural: "rows", "indexes", "instances healthy", "changes applied"
 * @param estimated the total is an estimate (shown with {@code ~}); the count itself is exact
 * @param current what is being worked on now (tables, an index), or null
 * @param note anything else worth a glance (the lag), or null
 */
public record Progress(String step, String what, long done, long total, boolean estimated, Duration elapsed, String current, String note) {

    /** Per second, averaged since the start; empty until there is something to average. */
    public OptionalDouble rate() {
        double secs = elapsed.toMillis() / 1000.0;
        return done > 0 && secs >= 0.5 ? OptionalDouble.of(done / secs) : OptionalDouble.empty();
    }

    /** Time left at the average rate, when there is a total still ahead. */
    public Optional<Duration> eta() {
        OptionalDouble r = rate();
        if (total <= done || r.isEmpty() || r.getAsDouble() <= 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis((long) ((total - done) / r.getAsDouble() * 1000)));
    }

    /** Done of total in whole per cent, capped at 99 until the count reaches an estimated total. */
    public Optional<Integer> percent() {
        if (total <= 0) {
            return Optional.empty();
        }
        int p = (int) Math.min(100, done * 100 / total);
        return Optional.of(estimated && done < total ? Math.min(p, 99) : estimated ? 99 : p);
    }
}
