package io.imago.bench;

import io.imago.migration.CopyProgress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Times the part of a bulk copy that streams rows: from the first table started to the last one done. */
final class CopyPhase implements CopyProgress {
    private final long created = System.nanoTime();
    private final AtomicLong first = new AtomicLong();
    private final AtomicLong last = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();

    @Override
    public void tableStarted(String table, long estimatedRows) {
        first.compareAndSet(0, System.nanoTime());
        open.incrementAndGet();
    }

    @Override
    public void tableDone(String table, long rows) {
        last.accumulateAndGet(System.nanoTime(), Math::max);
        open.decrementAndGet();
    }

    double streamingSeconds() {
        return (last.get() - first.get()) / 1e9;
    }

    double beforeSeconds() {
        return (first.get() - created) / 1e9;
    }

    /** Seconds from creation to the last table done. */
    double endSeconds() {
        return (last.get() - created) / 1e9;
    }
}
