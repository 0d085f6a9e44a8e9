package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The data checks of validation, on a {@link ConsistentCut}: row counts and checksums of a migrated table
 * against the converted rows of its source.
 *
 * <p>The blueprint's expressions ({@code where}, {@code addColumns}) are evaluated by the TARGET only, as the bulk
 * copy and log shipping do (blueprint-v1: "the target evaluates expressions"): where a check needs converted
 * source rows, the source's raw rows are streamed by COPY, inside the source's snapshot, into a temporary table
 * on the target and converted there with {@link TransformSql}'s own statement. What the source runs is built from
 * catalog names alone ({@code SELECT count(*)} and {@code COPY (SELECT columns FROM table) TO STDOUT}), in
 * READ ONLY transactions. On the target, the expressions run in READ ONLY transactions too (a read-only
 * transaction may fill a temporary table, nothing else), and text that is not one expression is refused
 * before it reaches either database ({@link Expressions}). Memory stays bounded: rows stream, never collect.
 */
public final class DataChecks {
    /** Source rows the transforms keep vs rows of the target table, at the cut. */
    public record RowCount(String sourceTable, String targetTable, long sourceRows, long targetRows) {
        public boolean matches() {
            return sourceRows == targetRows;
        }
    }

    /**
     * Order-independent checksums of the converted source rows and of the target's, at the cut.
     *
     * @param differingKeys the first keys (as row text) present on one side only or with other values
     */
    public record Checksum(String sourceTable, String targetTable, long sourceRows, long targetRows, String sourceSum, String targetSum,
                           List<String> differingKeys) {
        public boolean matches() {
            return sourceRows == targetRows && sourceSum.equals(targetSum);
        }
    }

    /** The temporary table holding a check's raw source rows on the target (one per session: the name never collides). */
    static final String STAGING = "imago_check_source_rows";

    private DataChecks() {
    }

    public static RowCount rowCount(ConsistentCut cut, TableMigration m) throws SQLException {
        refuseUnsafe(m);
        TransformSql sql = new TransformSql(m);
        try (Connection src = cut.openSource(); Connection tgt = cut.openTarget()) {
            long dst = count(tgt, "SELECT count(*) FROM " + Sql.table(m.targetTable()));
            long rows;
            if (m.where() == null) {
                rows = count(src, "SELECT count(*) FROM " + sql.sourceRelation());
            } else {
                rows = onTarget(cut, src, m, (work, relation) -> count(work, "SELECT count(*) FROM " + relation + " WHERE (" + m.where() + ")"));
            }
            return new RowCount(m.sourceTable(), m.targetTable(), rows, dst);
        }
    }

    /** Compares the target table with the converted source rows; on a mismatch, names up to {@code maxKeys} differing keys. */
    public static Checksum checksum(ConsistentCut cut, TableMigration m, int maxKeys) throws SQLException {
        refuseUnsafe(m);
        try (Connection src = cut.openSource(); Connection tgt = cut.openTarget()) {
            return onTarget(cut, src, m, (work, relation) -> TableChecksums.compare(work, relation, tgt, m, maxKeys));
        }
    }

    interface StagedQuery<T> {
        T run(Connection work, String relation) throws SQLException;
    }

    /**
     * Streams the table's raw rows from {@code src} (in the source's snapshot) into a temporary table on the target
     * and runs {@code query} over it (the rows under alias {@code s}, as {@link TransformSql} expects), in a READ
     * ONLY transaction on a connection of its own; the table goes with the connection.
     */
    static <T> T onTarget(ConsistentCut cut, Connection src, TableMigration m, StagedQuery<T> query) throws SQLException {
        TransformSql sql = new TransformSql(m);
        try (Connection work = cut.openTargetWork()) {
            try (Statement st = work.createStatement()) {
                st.execute(sql.createTempStagingSql(STAGING));
            }
            work.setAutoCommit(false);
            try (Statement st = work.createStatement()) {
                st.execute("SET TRANSACTION READ ONLY");
            }
            TableCopy.stream(src, sql.copyOutSql(null, false), work, sql.tempCopyInSql(STAGING), false, m.targetTable(), CopyProgress.NONE);
            T result = query.run(work, sql.tempRelation(STAGING));
            work.rollback();
            return result;
        }
    }

    /** Belt and braces: the planner refuses such text already; a TableMigration built otherwise is refused here. */
    private static void refuseUnsafe(TableMigration m) {
        if (m.where() != null) {
            Expressions.problem(m.where()).ifPresent(p -> {
                throw new IllegalArgumentException("refusing to evaluate the where of '" + m.sourceTable() + "': it " + p);
            });
        }
        m.columns().stream().filter(ColumnMapping::isExpression).forEach(c -> Expressions.problem(c.expression()).ifPresent(p -> {
            throw new IllegalArgumentException("refusing to evaluate the expression of column '" + c.targetColumn() + "': it " + p);
        }));
    }

    static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
