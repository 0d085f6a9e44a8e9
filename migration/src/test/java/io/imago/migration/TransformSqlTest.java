package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransformSqlTest {
    private static final SourceColumn ID = new SourceColumn("id", "integer", true);
    private static final SourceColumn NAME = new SourceColumn("name", "text", true);
    private static final SourceColumn EMAIL = new SourceColumn("email", "character varying(100)", true);
    private static final SourceColumn LEGACY = new SourceColumn("legacy_flag", "legacy_enum", false);

    private static TableMigration customers() {
        return new TableMigration("customers", "clients", List.of(ID, NAME, EMAIL, LEGACY), List.of("id"),
                List.of(new ColumnMapping("id", "integer", ID, null),
                        new ColumnMapping("full_name", "text", NAME, null),
                        new ColumnMapping("email", "character varying(100)", EMAIL, null),
                        new ColumnMapping("email_domain", "text", null, "split_part(email, '@', 2)")),
                "email IS NOT NULL", false, false, 10);
    }

    @Test
    void convertsThroughTheTarget() {
        TransformSql sql = new TransformSql(customers());
        assertFalse(customers().direct());
        assertEquals("COPY (SELECT \"id\", \"name\", \"email\", \"legacy_flag\" FROM ONLY public.\"customers\") TO STDOUT", sql.copyOutSql());
        assertEquals("CREATE UNLOGGED TABLE public.\"imago_stage_clients\" (\"id\" integer, \"name\" text, "
                + "\"email\" character varying(100), \"legacy_flag\" text)", sql.createStagingSql("imago_stage_clients"));
        assertEquals("INSERT INTO public.\"clients\" (\"id\", \"full_name\", \"email\", \"email_domain\") OVERRIDING SYSTEM VALUE "
                + "SELECT s.\"id\" AS \"id\", s.\"name\" AS \"full_name\", s.\"email\" AS \"email\", (split_part(email, '@', 2)) AS \"email_domain\" "
                + "FROM public.\"imago_stage_clients\" AS s WHERE (email IS NOT NULL)", sql.insertFromStaging("imago_stage_clients"));
        assertThrows(IllegalStateException.class, sql::directCopyInSql);
    }

    @Test
    void freezeAndBinaryOnlyWhereAllowed() {
        TableMigration m = new TableMigration("orders", "purchase_orders", List.of(ID, NAME, LEGACY), List.of("id"),
                List.of(new ColumnMapping("id", "integer", ID, null), new ColumnMapping("title", "text", NAME, null)),
                null, false, false, 0);
        TransformSql direct = new TransformSql(m);
        assertEquals("COPY public.\"purchase_orders\" (\"id\", \"title\") FROM STDIN (FORMAT binary, FREEZE)", direct.directCopyInSql(true, true));
        assertEquals("COPY public.\"purchase_orders\" (\"id\", \"title\") FROM STDIN (FREEZE)", direct.directCopyInSql(false, true));
        assertEquals("COPY public.\"purchase_orders\" (\"id\", \"title\") FROM STDIN (FORMAT binary)", direct.directCopyInSql(true, false));
        assertFalse(direct.stagingBinaryPossible(), "a direct load has no staging table");
        // customers' staging holds an enum the target does not know: text; without it, binary
        assertFalse(new TransformSql(customers()).stagingBinaryPossible());
        TableMigration known = new TableMigration("customers", "clients", List.of(ID, NAME, EMAIL), List.of("id"),
                List.of(new ColumnMapping("id", "integer", ID, null), new ColumnMapping("email_domain", "text", null, "split_part(email, '@', 2)")),
                null, false, false, 10);
        TransformSql staged = new TransformSql(known);
        assertTrue(staged.stagingBinaryPossible());
        assertEquals("COPY public.\"s\" (\"id\", \"name\", \"email\") FROM STDIN (FORMAT binary, FREEZE)", staged.stagingCopyInSql("s", true));
        assertEquals("COPY public.\"s\" (\"id\", \"name\", \"email\") FROM STDIN", staged.stagingCopyInSql("s"));
    }

    @Test
    void logShippingUsesTheSameStatementOverValues() {
        TransformSql sql = new TransformSql(customers());
        String values = sql.insertFromValues(2);
        assertTrue(values.contains("FROM (VALUES (CAST(? AS integer), CAST(? AS text), CAST(? AS character varying(100)), CAST(? AS text)), "
                + "(CAST(? AS integer), CAST(? AS text), CAST(? AS character varying(100)), CAST(? AS text))) "
                + "AS s(\"id\", \"name\", \"email\", \"legacy_flag\") WHERE (email IS NOT NULL)"), values);
        String staged = sql.insertFromStaging("x");
        assertEquals(staged.substring(0, staged.indexOf(" FROM ")), values.substring(0, values.indexOf(" FROM ")));
    }

    @Test
    void renameAndDropOnlyCopiesStraightIntoTheTarget() {
        TableMigration m = new TableMigration("orders", "purchase_orders", List.of(ID, NAME, LEGACY), List.of("id"),
                List.of(new ColumnMapping("id", "integer", ID, null), new ColumnMapping("title", "text", NAME, null)),
                null, false, false, 0);
        assertTrue(m.direct());
        TransformSql sql = new TransformSql(m);
        assertEquals("COPY (SELECT \"id\", \"name\" FROM ONLY public.\"orders\") TO STDOUT", sql.copyOutSql());
        assertEquals("COPY public.\"purchase_orders\" (\"id\", \"title\") FROM STDIN", sql.directCopyInSql());
        assertEquals(List.of("id"), m.targetKey());
    }

    @Test
    void aTypeChangeGoesThroughTheTargetWithACast() {
        TableMigration m = new TableMigration("t", "t", List.of(ID, LEGACY), List.of("id"),
                List.of(new ColumnMapping("id", "bigint", ID, null), new ColumnMapping("legacy_flag", "text", LEGACY, null)),
                null, false, false, 0);
        assertFalse(m.direct());
        String insert = new TransformSql(m).insertFromStaging("st");
        assertTrue(insert.contains("CAST(s.\"id\" AS bigint) AS \"id\", CAST(s.\"legacy_flag\" AS text) AS \"legacy_flag\""), insert);
    }

    @Test
    void quotesIdentifiersAndKeepsStagingNamesShort() {
        TableMigration m = new TableMigration("we\"ird", "x".repeat(63), List.of(ID), List.of("id"),
                List.of(new ColumnMapping("id", "integer", ID, null)), null, false, false, 0);
        TransformSql sql = new TransformSql(m);
        assertTrue(sql.copyOutSql().contains("public.\"we\"\"ird\""));
        assertTrue(sql.stagingTable().length() <= 63, sql.stagingTable());
        assertTrue(sql.stagingTable().startsWith("imago_stage_xxx"));
    }
}
