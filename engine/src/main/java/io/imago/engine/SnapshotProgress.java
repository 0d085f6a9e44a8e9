package io.imago.engine;

import io.imago.migration.CopyProgress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The snapshot's progress as users read it: rows copied of the sum of every table's catalog estimate (known before
 * the first row moves, so the percentage means something), the tables in flight, and then the index rebuild, index
 * by index. A table's estimate is raised to what it actually held once it is done, so an underestimate corrects
 * itself; the total stays marked as an estimate until the copy ends.
 */
final class SnapshotProgress implements CopyProgress {
    private static final long EVERY_NANOS = 500_000_000L;
    private final Reporter reporter;
    private final Runnable onTableStarted;
    private final LongSupplier clock;
    private final long start;
    private final Map<String, Long> estimates = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong done = new AtomicLong();
    private final Map<String, AtomicLong> doneByTable = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger tablesDone = new AtomicInteger();
    private final AtomicLong lastReport;
    private final AtomicInteger indexesTotal = new AtomicInteger();
    private final AtomicInteger indexesDone = new AtomicInteger();
    private volatile long indexStart;
    /** When the first table began streaming, the last one was done, and the last index was built: the copy's phases. */
    private final AtomicLong copyStart = new AtomicLong(Long.MIN_VALUE);
    private volatile long copyEnd;
    private volatile long indexEnd;

    SnapshotProgress(Reporter reporter, Runnable onTableStarted) {
        this(reporter, onTableStarted, System::nanoTime);
    }

    SnapshotProgress(Reporter reporter, Runnable onTableStarted, LongSupplier clock) {
        this.reporter = reporter;
        this.onTableStarted = onTableStarted;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastReport = new AtomicLong(start - EVERY_NANOS - 1); // the first rows are shown at once
    }

    @Override
    public void planned(Map<String, Long> estimatedRowsByTable) {
        estimates.putAll(estimatedRowsByTable);
    }

    @Override
    public void tableStarted(String table, long estimatedRows) {
        onTableStarted.run(); // the slot exists and a table is being copied
        copyStart.compareAndSet(Long.MIN_VALUE, clock.getAsLong());
        estimates.putIfAbsent(table, Math.max(0, estimatedRows));
        inFlight.add(table);
    }

    @Override
    public void rowsCopied(String table, long delta) {
        done.addAndGet(delta);
        doneByTable.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(delta);
        maybeReport(false);
    }

    @Override
    public void bytesCopied(String table, long delta) {
        bytes.addAndGet(delta);
    }

    @Override
    public void tableDone(String table, long rows) {
        inFlight.remove(table);
        estimates.compute(table, (t, e) -> e == null ? rows : Math.max(e, rows));
        tablesDone.incrementAndGet();
        copyEnd = clock.getAsLong();
        reporter.info("copied " + table + ": " + String.format("%,d", rows) + " " + Plural.of(rows, "row"));
        maybeReport(true);
    }

    @Override
    public void indexesPlanned(int total) {
        indexesTotal.set(total);
        indexStart = clock.getAsLong();
    }

    @Override
    public void indexBuilt(String table, String name) {
        int n = indexesDone.incrementAndGet();
        indexEnd = clock.getAsLong();
        reporter.progress(new Progress("SNAPSHOT", "indexes built", n, indexesTotal.get(), false,
                Duration.ofNanos(clock.getAsLong() - indexStart), name.replaceFirst("^public\\.", "") + " on " + table, null));
    }

    /** Seconds from the first table started to the last one done: the rows' streaming. */
    double copySeconds() {
        long s = copyStart.get();
        return s == Long.MIN_VALUE || copyEnd < s ? 0 : (copyEnd - s) / 1e9;
    }

    /**
     * Seconds the index builds took beyond the rows' streaming: from the later of the first build and the last table
     * loaded, to the last index built; 0 when none was. A table's indexes build as soon as its rows are in, while other
     * tables still stream, and that overlap costs the step no time of its own.
     */
    double indexSecondsBeyondCopy() {
        if (indexesDone.get() == 0 || indexEnd < indexStart) {
            return 0;
        }
        return Math.max(0, indexEnd - Math.max(indexStart, copyEnd)) / 1e9;
    }

    /** Source rows read so far (before any {@code where} filter). */
    long rowsRead() {
        return done.get();
    }

    private void maybeReport(boolean force) {
        long now = clock.getAsLong();
        long last = lastReport.get();
        if ((force || now - last > EVERY_NANOS) && lastReport.compareAndSet(last, now)) {
            reporter.progress(reading(now));
        }
    }

    /** Each table in flight with its own share of its estimate, e.g. "events 45%, users 3%; ". */
    private String perTable() {
        StringBuilder s = new StringBuilder();
        for (String t : new TreeSet<>(inFlight)) {
            long est = estimates.getOrDefault(t, 0L);
            long d = doneByTable.getOrDefault(t, new AtomicLong()).get();
            s.append(s.length() == 0 ? "" : ", ").append(t).append(' ')
                    .append(est > 0 ? Math.min(99, d * 100 / est) + "%" : String.format("%,d rows", d));
        }
        return s.length() == 0 ? "" : s.append("; ").toString();
    }

    Progress reading(long now) {
        long rows = done.get();
        long total = Math.max(rows, estimates.values().stream().mapToLong(Long::longValue).sum());
        int tables = estimates.size();
        boolean allDone = tablesDone.get() >= tables && tables > 0;
        String current = inFlight.isEmpty() ? null : String.join(", ", new TreeSet<>(inFlight));
        double secs = Math.max(0.001, (now - start) / 1e9);
        long streamed = bytes.get();
        String note = perTable() + tablesDone.get() + " of " + tables + " " + Plural.of(tables, "table") + " done"
                + (streamed > 0 ? ", " + ByteSizes.human(streamed) + " streamed (" + ByteSizes.human((long) (streamed / secs)) + "/s)" : "");
        return new Progress("SNAPSHOT", "rows copied", rows, allDone ? rows : total, !allDone, Duration.ofNanos(now - start), current, note);
    }
}
