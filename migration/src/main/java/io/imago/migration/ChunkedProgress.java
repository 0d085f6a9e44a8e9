package io.imago.migration;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the chunks' progress back into the tables' progress {@link CopyProgress} promises its listeners:
 * a table starts when its first chunk starts and is done, with its total rows, when its last chunk is.
 */
final class ChunkedProgress implements CopyProgress {
    private final CopyProgress listener;
    private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> remaining = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> rows = new ConcurrentHashMap<>();

    ChunkedProgress(CopyProgress listener, Iterable<CopyChunk> chunks) {
        this.listener = listener;
        for (CopyChunk c : chunks) {
            remaining.computeIfAbsent(c.table().targetTable(), t -> new AtomicInteger()).incrementAndGet();
            started.putIfAbsent(c.table().targetTable(), new AtomicInteger());
            rows.putIfAbsent(c.table().targetTable(), new AtomicLong());
        }
    }

    /** Tells the listener every table and its estimate, once, before the copy starts. */
    void announce(Iterable<CopyChunk> chunks) {
        Map<String, Long> estimates = new java.util.LinkedHashMap<>();
        for (CopyChunk c : chunks) {
            estimates.putIfAbsent(c.table().targetTable(), c.table().estimatedRows());
        }
        listener.planned(estimates);
    }

    @Override
    public void tableStarted(String table, long estimatedRows) {
        if (started.get(table).getAndIncrement() == 0) {
            listener.tableStarted(table, estimatedRows);
        }
    }

    @Override
    public void rowsCopied(String table, long delta) {
        listener.rowsCopied(table, delta);
    }

    @Override
    public void bytesCopied(String table, long delta) {
        listener.bytesCopied(table, delta);
    }

    @Override
    public void tableDone(String table, long chunkRows) {
        long total = rows.get(table).addAndGet(chunkRows);
        if (remaining.get(table).decrementAndGet() == 0) {
            listener.tableDone(table, total);
        }
    }
}
