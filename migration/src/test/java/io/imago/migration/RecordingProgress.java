package io.imago.migration;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Records what the copier reported, and from which threads, for assertions. */
class RecordingProgress implements CopyProgress {
    final Map<String, Long> estimated = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> streamed = new ConcurrentHashMap<>();
    final Map<String, Long> done = new ConcurrentHashMap<>();
    final Map<String, Long> nanos = new ConcurrentHashMap<>();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    @Override
    public void tableStarted(String table, long estimatedRows) {
        estimated.put(table, estimatedRows);
        nanos.put(table, System.nanoTime());
        threads.add(Thread.currentThread().getName());
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    @Override
    public void rowsCopied(String table, long delta) {
        streamed.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(delta);
    }

    @Override
    public void tableDone(String table, long rows) {
        done.put(table, rows);
        nanos.computeIfPresent(table, (t, start) -> System.nanoTime() - start);
        inFlight.decrementAndGet();
    }
}
