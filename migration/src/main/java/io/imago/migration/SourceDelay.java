package io.imago.migration;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether the stream is delivering transactions late: a transaction's commit time on the source against this
 * machine's clock, compared with the quickest delivery in the last 10–20 s (so that a clock skew between
 * the machines, and the pipeline's own least delay, count as zero). The shipper commits a small group at once
 * while it keeps up, and keeps grouping while it is behind: a walsender starved of CPU hands transactions over
 * one at a time, and committing each then takes the very CPU it lacks. No I/O.
 */
final class SourceDelay {
    /** Later than the quickest delivery by more than this: behind. */
    static final long BEHIND_MICROS = TimeUnit.MILLISECONDS.toMicros(10);
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Supplier<Instant> wallClock;
    private final LongSupplier nanoClock;
    private long windowStart;
    private long windowLeast = Long.MAX_VALUE;
    private long previousLeast = Long.MAX_VALUE;

    SourceDelay() {
        this(Instant::now, System::nanoTime);
    }

    SourceDelay(Supplier<Instant> wallClock, LongSupplier nanoClock) {
        this.wallClock = wallClock;
        this.nanoClock = nanoClock;
        this.windowStart = nanoClock.getAsLong();
    }

    /** Takes in a transaction that arrived now, committed at {@code commitTime}; whether it arrived late. */
    boolean behind(Instant commitTime) {
        long now = nanoClock.getAsLong();
        if (now - windowStart >= WINDOW_NANOS) {
            previousLeast = windowLeast;
            windowLeast = Long.MAX_VALUE;
            windowStart = now;
        }
        Instant arrived = wallClock.get();
        long delay = TimeUnit.SECONDS.toMicros(arrived.getEpochSecond() - commitTime.getEpochSecond())
                + (arrived.getNano() - commitTime.getNano()) / 1_000;
        windowLeast = Math.min(windowLeast, delay);
        return delay - Math.min(windowLeast, previousLeast) > BEHIND_MICROS;
    }
}
