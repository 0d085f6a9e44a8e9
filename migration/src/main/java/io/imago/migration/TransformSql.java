package io.imago.migration;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The SQL that loads one table. Conversion is always done by the TARGET database with one statement shape,
 * {@code INSERT INTO target (...) SELECT <columns and expressions> FROM <relation> AS s WHERE <where>},
 * whatever the relation holding the source rows is:
 * <ul>
 *   <li>the bulk load's staging table ({@link #stagingRelation}), filled by COPY;</li>
 *   <li>log shipping's rows, one or a few at a time, as text values cast to the source types
 *       ({@link #valuesRelation}).</li>
 * </ul>
 * Both expose the same columns with the same types under alias {@code s}, so a snapshot row and the same
 * row shipped later as a change convert identically.
 */
public final class TransformSql {
    private static final int MAX_IDENTIFIER_BYTES = 63;

    private final TableMigration m;

    public TransformSql(TableMigration migration) {
        this.m = migration;
    }

    public TableMigration migration() {
        return m;
    }

    /**
     * The source columns read from the source, in order: only the copied ones for a direct load; all of
     * them otherwise, since expressions and the filter may read columns the target drops.
     */
    public List<SourceColumn> shippedColumns() {
        if (m.direct()) {
            return m.columns().stream().map(ColumnMapping::sourceColumn).toList();
        }
        return m.sourceColumns();
    }

    /** Reads the table in COPY's text format, which every target version parses whatever the source version. */
    public String copyOutSql() {
        return copyOutSql(null, false);
    }

    /**
     * Reads the rows matching {@code keyRange} (a predicate over the source row under alias {@code s}, null
     * for all), in COPY's binary format when {@code binary} (see {@link #binaryCopyPossible()}).
     */
    String copyOutSql(String keyRange, boolean binary) {
        return "COPY (SELECT " + Sql.idents(names(shippedColumns())) + " FROM " + sourceRelation() + (keyRange == null ? "" : " AS s WHERE " + keyRange)
                + ") TO STDOUT" + (binary ? " (FORMAT binary)" : "");
    }

    /**
     * The source table as the source reads it. ONLY: with inheritance, children are tables of their own and must
     * not be read twice; a partitioned table is read through its root. Catalog-derived names only: no SQL
     * that reads the source ever contains a blueprint's expression.
     */
    String sourceRelation() {
        return (m.sourceIsPartitioned() ? "" : "ONLY ") + Sql.table(m.sourceTable());
    }

    /**
     * Whether the direct load may use COPY's binary format: every column keeps its type and that type is a
     * built-in one whose binary form (and, for arrays, element type OID) is the same in every PostgreSQL
     * version. User-defined types (enums, composites, domains' arrays) have database-specific OIDs that the
     * binary format embeds, so they travel as text.
     */
    boolean binaryCopyPossible() {
        return m.direct() && m.columns().stream().allMatch(c -> BINARY_SAFE_TYPES.contains(baseType(c.targetType())));
    }

    /**
     * Whether a load through staging may read and fill the staging table in COPY's binary format: that table holds
     * the source's own types, so it is the rule of {@link #binaryCopyPossible()} applied to them (and to types the
     * target knows by the same name: any other travels as text).
     */
    boolean stagingBinaryPossible() {
        return !m.direct() && shippedColumns().stream().allMatch(c -> c.typeKnownToTarget() && BINARY_SAFE_TYPES.contains(baseType(c.type())));
    }

    private static final Set<String> BINARY_SAFE_TYPES = Set.of("smallint", "integer", "bigint", "real",
            "double precision", "numeric", "text", "character varying", "character", "boolean", "date", "timestamp without time zone",
            "timestamp with time zone", "time without time zone", "interval", "bytea", "uuid", "json", "jsonb");

    /** {@code character varying(40)[]} -> {@code character varying}: format_type's name without modifiers or array brackets. */
    static String baseType(String formatType) {
        String t = formatType.endsWith("[]") ? formatType.substring(0, formatType.length() - 2) : formatType;
        int paren = t.indexOf('(');
        if (paren < 0) {
            return t;
        }
        int close = t.indexOf(')', paren);
        // "timestamp(3) with time zone" keeps the words after the modifier
        return (t.substring(0, paren) + (close < 0 ? "" : t.substring(close + 1))).trim().replaceAll("\\s+", " ");
    }

    /** Loads the shipped columns straight into the target's (renamed) columns; only for {@link TableMigration#direct()}. */
    public String directCopyInSql() {
        return directCopyInSql(false);
    }

    String directCopyInSql(boolean binary) {
        return directCopyInSql(binary, false);
    }

    /** @param freeze rows written frozen: only allowed into a table created or truncated in the same transaction */
    String directCopyInSql(boolean binary, boolean freeze) {
        if (!m.direct()) {
            throw new IllegalStateException("table '" + m.sourceTable() + "' needs conversion by the target; load it through staging");
        }
        String options = binary && freeze ? " (FORMAT binary, FREEZE)" : binary ? " (FORMAT binary)" : freeze ? " (FREEZE)" : "";
        return "COPY " + Sql.table(m.targetTable()) + " (" + Sql.idents(targetColumns()) + ") FROM STDIN" + options;
    }

    /** An unlogged table shaped like the source: its rows need no WAL, and it lives only inside one load transaction. */
    public String createStagingSql(String staging) {
        String cols = shippedColumns().stream().map(c -> Sql.ident(c.name()) + " " + c.stagingType()).collect(Collectors.joining(", "));
        return "CREATE UNLOGGED TABLE " + Sql.table(staging) + " (" + cols + ")";
    }

    /**
     * A temporary table shaped like {@link #shippedColumns()}, for the data checks: private to the session,
     * no WAL, gone with the session. Created outside the read-only transaction that fills and reads it
     * (a read-only transaction may write temporary tables, not create them).
     */
    String createTempStagingSql(String name) {
        String cols = shippedColumns().stream().map(c -> Sql.ident(c.name()) + " " + c.stagingType()).collect(Collectors.joining(", "));
        return "CREATE TEMPORARY TABLE " + Sql.ident(name) + " (" + cols + ")";
    }

    String tempCopyInSql(String name) {
        return "COPY " + Sql.temp(name) + " (" + Sql.idents(names(shippedColumns())) + ") FROM STDIN";
    }

    String tempRelation(String name) {
        return Sql.temp(name) + " AS s";
    }

    public String stagingCopyInSql(String staging) {
        return "COPY " + Sql.table(staging) + " (" + Sql.idents(names(shippedColumns())) + ") FROM STDIN";
    }

    /**
     * Fills a staging table created in the same transaction (as the bulk load's are), so FREEZE is allowed: the
     * INSERT ... SELECT that reads it back finds its rows' hint bits set.
     */
    String stagingCopyInSql(String staging, boolean binary) {
        return stagingCopyInSql(staging) + (binary ? " (FORMAT binary, FREEZE)" : " (FREEZE)");
    }

    public String stagingRelation(String staging) {
        return Sql.table(staging) + " AS s";
    }

    /**
     * {@code rows} source rows as JDBC parameters, one text value per source column (all columns, in
     * {@link TableMigration#sourceColumns()} order), cast to the source types as the staging table holds them.
     */
    public String valuesRelation(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be at least 1");
        }
        String row = m.sourceColumns().stream().map(c -> "CAST(? AS " + c.stagingType() + ")").collect(Collectors.joining(", ", "(", ")"));
        return "(VALUES " + IntStream.range(0, rows).mapToObj(i -> row).collect(Collectors.joining(", ")) + ") AS s("
                + Sql.idents(names(m.sourceColumns())) + ")";
    }

    /** Like {@link #valuesRelation} with typed NULLs: lets the planner have the target check the expressions. */
    String typedNullRelation() {
        String row = m.sourceColumns().stream().map(c -> "CAST(NULL AS " + c.stagingType() + ")").collect(Collectors.joining(", ", "(", ")"));
        return "(VALUES " + row + ") AS s(" + Sql.idents(names(m.sourceColumns())) + ")";
    }

    /**
     * Converts the rows of {@code relation} (source columns under alias {@code s}) into target rows.
     * OVERRIDING SYSTEM VALUE: the source's key values are kept even in GENERATED ALWAYS identity columns.
     */
    public String insertFrom(String relation) {
        return "INSERT INTO " + Sql.table(m.targetTable()) + " (" + Sql.idents(targetColumns()) + ") OVERRIDING SYSTEM VALUE "
                + selectConverted(relation);
    }

    /** {@code SELECT <target columns> FROM relation WHERE <where>}: the converted rows, named as the target names them. */
    String selectConverted(String relation) {
        String select = m.columns().stream().map(c -> converted(c, c.isExpression() ? null : "s." + Sql.ident(c.sourceColumn().name()))
                + " AS " + Sql.ident(c.targetColumn())).collect(Collectors.joining(", "));
        return "SELECT " + select + " FROM " + relation + (m.where() == null ? "" : " WHERE (" + m.where() + ")");
    }

    public String insertFromStaging(String staging) {
        return insertFrom(stagingRelation(staging));
    }

    public String insertFromValues(int rows) {
        return insertFrom(valuesRelation(rows));
    }

    public List<String> targetColumns() {
        return m.columns().stream().map(ColumnMapping::targetColumn).toList();
    }

    /** The staging table's name: derived from the target so parallel loads never collide; within 63 bytes. */
    public String stagingTable() {
        return stagingTable("");
    }

    /** The staging table of one chunk of the table: {@code suffix} tells the chunks apart. */
    String stagingTable(String suffix) {
        String name = "imago_stage_" + m.targetTable() + suffix;
        if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        String hash = Integer.toHexString((m.targetTable() + suffix).hashCode());
        StringBuilder b = new StringBuilder();
        for (int cp : name.codePoints().toArray()) {
            String next = b + new String(Character.toChars(cp));
            if (next.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES - hash.length() - 1) {
                break;
            }
            b.appendCodePoint(cp);
        }
        return b + "_" + hash;
    }

    /**
     * The target value of one column, given SQL for the source column's value ({@code sourceValue}, of the
     * staging type; ignored for an expression, which reads the source row under alias {@code s} itself).
     * Log shipping uses it to convert key values alone, exactly as the full conversion does.
     */
    static String converted(ColumnMapping c, String sourceValue) {
        if (c.isExpression()) {
            return "(" + c.expression() + ")";
        }
        if (!c.isVerbatim()) {
            // The column changes type (or the target lacks the source's type and holds it as text): convert
            // explicitly, so e.g. text becomes an enum as COPY would parse it; impossible casts are refused
            // when planning.
            return "CAST(" + sourceValue + " AS " + c.targetType() + ")";
        }
        return sourceValue;
    }

    private static List<String> names(List<SourceColumn> cols) {
        return cols.stream().map(SourceColumn::name).toList();
    }
}
