package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SourceReadSampleTest {
    @Test
    void readsTheBudgetsShareOfEachTableAndNothingMore() throws Exception {
        PgServers.Pair p = PgServers.fresh("read_sample");
        Db.exec(p.source(),
                "CREATE TABLE big (id bigint PRIMARY KEY, body text)",
                "INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 40000) g",
                "CREATE TABLE small (id bigint PRIMARY KEY)",
                "INSERT INTO small SELECT generate_series(1, 10000)",
                "ANALYZE");
        List<LiveCatalog.TableSize> sizes = LiveCatalog.tableSizes(p.source());
        long heap = sizes.stream().mapToLong(LiveCatalog.TableSize::heapBytes).sum();

        SourceReadSample all = SourceReadSample.read(p.source(), sizes, heap * 2);
        assertEquals(50_000, all.rows(), "a budget over the heap reads everything");
        assertEquals(heap, all.heapBytes(), 1.0);

        SourceReadSample quarter = SourceReadSample.read(p.source(), sizes, heap / 4);
        assertEquals(12_500, quarter.rows(), 2.0, "a quarter of each table's rows");
        assertTrue(quarter.heapBytesPerSecond() > 0 && quarter.streamBytes() > 0, quarter.toString());
        assertEquals(0, Db.count(p.source(), "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"),
                "its read-only transaction ended");
    }
}
