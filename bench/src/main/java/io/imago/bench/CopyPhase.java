package io.imago.bench;

import io.imago.migration.CopyProgress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times the part of a bulk copy that streams rows (from the first table started to the last one done), and when
 * each table was loaded and each index or constraint built, to show where the time after the last row goes.
 */
final class CopyPhase implements CopyProgress {
    private final long created = System.nanoTime();
    private final AtomicLong first = new AtomicLong();
    private final AtomicLong last = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final java.util.List<String> timeline = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void tableStarted(String table, long estimatedRows) {
        first.compareAndSet(0, System.nanoTime());
        open.incrementAndGet();
    }

    @Override
    public void tableDone(String table, long rows) {
        last.accumulateAndGet(System.nanoTime(), Math::max);
        open.decrementAndGet();
        timeline.add(String.format("%s loaded %.1f", table, (System.nanoTime() - created) / 1e9));
    }

    @Override
    public void indexBuilt(String table, String name) {
        timeline.add(String.format("%s %.1f", name.replaceFirst("^public\\.", ""), (System.nanoTime() - created) / 1e9));
    }

    /** Seconds from the start: each table loaded, each index or constraint built, in that order. */
    String timeline() {
        return String.join(", ", timeline);
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
