package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The catalog readings plan's forecast takes from a live source: sizes without a scan, the write rate, as a role that can only read. */
class LiveCatalogSizesTest {
    @Test
    void sizesAndRowEstimatesComeFromTheCatalogAndAReaderMayAskForThem() throws Exception {
        PgServers.Pair p = PgServers.fresh("sizes");
        PgEndpoint owner = p.source();
        Db.exec(owner,
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text)",
                "CREATE INDEX customers_email ON customers (email)",
                "INSERT INTO customers SELECT g, 'name ' || g, 'u' || g || '@example.org' FROM generate_series(1, 20000) g",
                "CREATE TABLE empty_one (id int PRIMARY KEY)",
                "CREATE TABLE events (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO events SELECT g, DATE '2025-06-01' + (g % 400) FROM generate_series(1, 8000) g",
                "ANALYZE",
                "CREATE ROLE sizes_reader LOGIN",
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO sizes_reader");
        PgEndpoint reader = new PgEndpoint(owner.host(), owner.port(), owner.database(), "sizes_reader", "");

        Map<String, LiveCatalog.TableSize> sizes = sizes(reader);
        assertEquals(List.of("customers", "empty_one", "events"), List.copyOf(sizes.keySet()), "partitions count in their parent");
        LiveCatalog.TableSize c = sizes.get("customers");
        assertEquals(20000, c.estimatedRows());
        assertEquals(Db.count(owner, "SELECT pg_table_size('customers')"), c.heapBytes());
        assertEquals(Db.count(owner, "SELECT pg_indexes_size('customers')"), c.indexBytes());
        assertTrue(c.heapBytes() > 20000L * 30 && c.indexBytes() > 0, c.toString());
        assertEquals(8000, sizes.get("events").estimatedRows());
        assertEquals(Db.count(owner, "SELECT pg_table_size('events_2025') + pg_table_size('events_2026')"), sizes.get("events").heapBytes());
        assertEquals(0, sizes.get("empty_one").estimatedRows());
    }

    @Test
    void aTableNeverAnalyzedIsEstimatedFromItsLiveTuples() throws Exception {
        PgServers.Pair p = PgServers.fresh("sizes_live");
        Db.exec(p.source(), "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t SELECT generate_series(1, 500)");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long rows = 0;
        while (rows < 500 && System.nanoTime() < deadline) { // the statistics collector reports with a short delay
            rows = sizes(p.source()).get("t").estimatedRows();
            Thread.sleep(100);
        }
        assertEquals(500, rows);
    }

    @Test
    void theWriteRateIsTheLogWrittenBetweenTwoReadings() throws Exception {
        PgServers.Pair p = PgServers.fresh("walrate");
        Db.exec(p.source(), "CREATE TABLE w (id int PRIMARY KEY, pad text)");
        Thread writer = new Thread(() -> Db.exec(p.source(),
                "INSERT INTO w SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g"));
        LiveCatalog.WalRate idle = LiveCatalog.walRate(p.source(), Duration.ofMillis(200));
        writer.start();
        LiveCatalog.WalRate busy = LiveCatalog.walRate(p.source(), Duration.ofMillis(600));
        writer.join();
        assertTrue(busy.seconds() >= 0.6 && busy.seconds() < 5, busy.toString());
        assertTrue(busy.bytes() > idle.bytes(), idle + " vs " + busy);
        assertEquals(busy.bytes() / busy.seconds(), busy.bytesPerSecond(), 1e-6);
    }

    private static Map<String, LiveCatalog.TableSize> sizes(PgEndpoint db) {
        try {
            return LiveCatalog.tableSizes(db).stream().collect(Collectors.toMap(LiveCatalog.TableSize::table, Function.identity(),
                    (a, b) -> a, java.util.LinkedHashMap::new));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
