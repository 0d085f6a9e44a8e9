package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 200,000 rows of about 2 kB stream through a test JVM whose heap is capped well below the table's size
 * (see the surefire argLine in this module's pom): materializing the table would fail with OutOfMemoryError.
 * Prints the rates; asserts nothing about time.
 */
class LargeTableCopyTest {
    private static final int ROWS = 200_000;

    @Test
    void copiesATableLargerThanTheHeapWithBoundedMemory() throws Exception {
        PgServers.Pair p = PgServers.fresh("copy_large");
        String ddl = "(id bigint PRIMARY KEY, n int NOT NULL, payload text NOT NULL, at timestamptz NOT NULL)";
        Db.exec(p.source(), "CREATE TABLE big " + ddl, "CREATE TABLE big_staged " + ddl,
                "INSERT INTO big SELECT g, g % 1000, repeat(md5(g::text), 60), '2024-01-01'::timestamptz + g * interval '1 second' "
                        + "FROM generate_series(1, " + ROWS + ") g",
                "INSERT INTO big_staged SELECT * FROM big", "ANALYZE");
        Db.exec(p.target(), "CREATE TABLE big " + ddl,
                "CREATE TABLE big_staged (id bigint PRIMARY KEY, n int NOT NULL, payload text NOT NULL, at timestamptz NOT NULL, bucket text)");
        long bytes = Db.count(p.source(), "SELECT sum(octet_length(b::text)) FROM big b");
        long heap = Runtime.getRuntime().maxMemory();
        assertTrue(bytes > 3 * heap, "the table (" + bytes + " bytes) must dwarf the heap (" + heap + " bytes)");

        List<TableMigration> plan = Db.plan(p, null, List.of(TableTransform.of("big_staged").addColumn("bucket", "'b' || (n % 10)")));
        TableMigration direct = plan.stream().filter(m -> m.targetTable().equals("big")).findFirst().orElseThrow();
        TableMigration staged = plan.stream().filter(m -> m.targetTable().equals("big_staged")).findFirst().orElseThrow();
        assertTrue(direct.direct());

        for (TableMigration m : List.of(direct, staged)) {
            RecordingProgress progress = new RecordingProgress();
            String slot = "copy_large_" + m.targetTable();
            SnapshotResult r = new SnapshotCopier(p.source(), p.target(), slot, slot, 1, progress).copy(List.of(m));
            assertEquals(Map.of(m.targetTable(), (long) ROWS), r.rowsPerTargetTable());
            double seconds = progress.nanos.get(m.targetTable()) / 1e9;
            System.out.printf("large copy (%s): %,d rows, %,d MB in %.2f s = %,.0f rows/s, %.0f MB/s, heap max %d MB%n",
                    m.direct() ? "direct COPY" : "staging + INSERT ... SELECT", ROWS, bytes >> 20, seconds, ROWS / seconds,
                    (bytes >> 20) / seconds, heap >> 20);
        }
        String check = "SELECT count(*), sum(id), sum(n), sum(length(payload)), md5(string_agg(md5(payload), '' ORDER BY id)) FROM ";
        assertEquals(Db.rows(p.source(), check + "big"), Db.rows(p.target(), check + "big"));
        assertEquals(Db.rows(p.source(), check + "big_staged"), Db.rows(p.target(), check + "big_staged"));
        assertEquals(List.of("b7"), Db.rows(p.target(), "SELECT bucket FROM big_staged WHERE id = 4567"));
    }
}
