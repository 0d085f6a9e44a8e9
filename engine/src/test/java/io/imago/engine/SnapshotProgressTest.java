package io.imago.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SnapshotProgressTest {
    private final List<Progress> seen = new ArrayList<>();
    private final List<String> infos = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private final Reporter reporter = new Reporter() {
        public void stepStarted(String step, String description) {}
        public void stepDone(String step, String detail, Duration took) {}
        public void stepSkipped(String step, String why) {}
        public void info(String message) { infos.add(message); }
        public void warn(String message) {}
        public void progress(Progress p) { seen.add(p); }
    };

    /** Index builds that overlap other tables' streaming cost the step nothing: only their time beyond the copy counts. */
    @Test
    void theIndexTimeForecastsLearnFromIsWhatTheBuildsTookBeyondTheCopy() {
        SnapshotProgress p = new SnapshotProgress(reporter, () -> {}, clock::get);
        p.planned(Map.of("customers", 10L, "orders", 10L));
        p.tableStarted("customers", 10);
        p.tableStarted("orders", 10);
        clock.set(Duration.ofSeconds(2).toNanos());
        p.tableDone("customers", 10);
        p.indexesPlanned(2);              // customers' index builds while orders still streams
        clock.set(Duration.ofSeconds(4).toNanos());
        p.indexBuilt("customers", "customers_pkey");
        clock.set(Duration.ofSeconds(5).toNanos());
        p.tableDone("orders", 10);
        clock.set(Duration.ofSeconds(6).toNanos());
        p.indexBuilt("orders", "orders_pkey");
        assertEquals(5.0, p.copySeconds(), 1e-9);
        assertEquals(1.0, p.indexSecondsBeyondCopy(), 1e-9, "from the last row loaded (5 s) to the last index (6 s)");
    }

    @Test
    void noIndexBuiltMeansNoIndexTime() {
        SnapshotProgress p = new SnapshotProgress(reporter, () -> {}, clock::get);
        p.tableStarted("t", 1);
        clock.set(Duration.ofSeconds(1).toNanos());
        p.tableDone("t", 1);
        assertEquals(0.0, p.indexSecondsBeyondCopy());
    }

    /** The reported total is every table's estimate from the start, not the sum of the tables begun so far. */
    @Test
    void theTotalIsEveryTablesEstimateBeforeTheFirstRowAndTheCountNeverReads100PercentEarly() {
        SnapshotProgress p = new SnapshotProgress(reporter, () -> {}, clock::get);
        p.planned(Map.of("orders", 8_000_000L, "customers", 2_000_000L));
        p.tableStarted("orders", 8_000_000L);
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        p.bytesCopied("orders", 150L << 20);
        p.rowsCopied("orders", 1_500_000);
        Progress r = last();
        assertEquals(1_500_000, r.done());
        assertEquals(10_000_000, r.total());
        assertTrue(r.estimated());
        assertEquals(15, r.percent().orElseThrow());
        assertEquals("orders", r.current());
        assertEquals("orders 18%; 0 of 2 tables done, 150.0 MiB streamed (15.0 MiB/s)", r.note());
        assertEquals(150_000, r.rate().orElseThrow(), 1);
        assertEquals(Duration.ofSeconds(56).plusMillis(666), r.eta().orElseThrow().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));

        // The estimate was low: the count passes it, and the total grows to what the table held.
        clock.addAndGet(Duration.ofSeconds(60).toNanos());
        p.rowsCopied("orders", 9_000_000);
        assertEquals(99, last().percent().orElseThrow(), "past the estimate, yet not 100 % before the end");
        p.tableDone("orders", 10_500_000);
        assertEquals(12_500_000, last().total());
        assertEquals(84, last().percent().orElseThrow());
        assertTrue(last().note().startsWith("1 of 2 tables done, "), last().note());
        assertTrue(infos.contains("copied orders: 10,500,000 rows"), infos.toString());
        p.tableStarted("customers", 2_000_000);
        p.rowsCopied("customers", 1);
        p.tableDone("customers", 1);
        assertEquals(100, last().percent().orElseThrow());
        assertFalse(last().estimated());
        assertTrue(infos.contains("copied customers: 1 row"), infos.toString());
    }

    @Test
    void theIndexRebuildCountsIndexesOfTheirTotalAndNamesTheOneBuilt() {
        SnapshotProgress p = new SnapshotProgress(reporter, () -> {}, clock::get);
        p.indexesPlanned(3);
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        p.indexBuilt("customers", "customers_email_idx");
        Progress r = last();
        assertEquals("indexes built", r.what());
        assertEquals(1, r.done());
        assertEquals(3, r.total());
        assertFalse(r.estimated());
        assertEquals("customers_email_idx on customers", r.current());
        assertEquals(Duration.ofSeconds(4), r.eta().orElseThrow());
    }

    private Progress last() {
        return seen.get(seen.size() - 1);
    }
}
