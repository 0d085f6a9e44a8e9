package io.imago.engine;

import io.imago.blueprints.CheckSpec;
import io.imago.migration.PgEndpoint;
import io.imago.migration.TableChecksums;
import io.imago.migration.TableMigration;
import io.imago.providers.spi.Endpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves the new universe before it goes live. Any failed check rejects it: the old universe stays
 * live and untouched, the new one is kept for inspection.
 */
final class ValidateStep implements Step {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Override
    public StepName name() {
        return StepName.VALIDATE;
    }

    @Override
    public boolean applies(ApplyContext ctx) {
        return !ctx.bp.validate().isEmpty();
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (CheckSpec check : ctx.bp.validate()) {
            List<String> problems = null;
            if (check instanceof CheckSpec.RowCounts) {
                problems = rowCounts(ctx);
            } else if (check instanceof CheckSpec.Http h) {
                problems = http(ctx, h);
            } else if (check instanceof CheckSpec.Checksums c) {
                problems = checksums(ctx, c);
            } else if (check instanceof CheckSpec.Compare c) {
                problems = AnswerComparison.compare(ctx, c);
            } else if (check instanceof CheckSpec.Command c) {
                problems = CommandCheck.run(ctx, c);
            }
            String label = label(check);
            if (problems == null) {
                ctx.reporter.warn("SKIP " + label + ": this check is not built yet");
            } else if (problems.isEmpty()) {
                ctx.reporter.info("PASS " + label);
                passed++;
            } else {
                problems.forEach(p -> ctx.reporter.info("FAIL " + label + ": " + p));
                problems.forEach(p -> failures.add(label + ": " + p));
            }
        }
        if (!failures.isEmpty()) {
            throw new EngineException(EngineException.Kind.REJECTED, "validation rejected " + ctx.bp.universe() + ":\n  - "
                    + String.join("\n  - ", failures));
        }
        return passed + " check" + (passed == 1 ? "" : "s") + " passed";
    }

    private static String label(CheckSpec check) {
        if (check instanceof CheckSpec.Checksums c) {
            return "checksums " + c.tables();
        } else if (check instanceof CheckSpec.Http h) {
            return "http " + h.path();
        } else if (check instanceof CheckSpec.Compare c) {
            return "compare " + c.path();
        } else if (check instanceof CheckSpec.Command c) {
            return "command " + String.join(" ", c.argv());
        }
        return "rowCounts";
    }

    /** Source rows that the transforms keep vs rows on the target, per migrated table. */
    private static List<String> rowCounts(ApplyContext ctx) throws SQLException {
        if (ctx.old == null || ctx.bp.database() == null) {
            return List.of();
        }
        PgEndpoint source = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint target = SnapshotStep.endpoint(ctx.db(true));
        List<String> problems = new ArrayList<>();
        List<TableMigration> tables = SnapshotStep.resolve(ctx, source, target);
        try (Connection s = source.connect(); Connection t = target.connect()) {
            for (TableMigration tm : tables) {
                String where = tm.where() == null ? "" : " WHERE (" + tm.where() + ")";
                long src = count(s, "SELECT count(*) FROM public.\"" + tm.sourceTable() + "\"" + where);
                long dst = count(t, "SELECT count(*) FROM public.\"" + tm.targetTable() + "\"");
                if (src != dst) {
                    problems.add(tm.sourceTable() + " has " + src + " rows to migrate but " + tm.targetTable() + " has " + dst);
                } else {
                    ctx.reporter.info("  " + tm.sourceTable() + " → " + tm.targetTable() + ": " + dst + " rows");
                }
            }
        }
        return problems;
    }

    /** Order-independent checksums of the converted source rows vs the target's, per named target table. */
    private static List<String> checksums(ApplyContext ctx, CheckSpec.Checksums check) throws SQLException {
        PgEndpoint source = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint target = SnapshotStep.endpoint(ctx.db(true));
        List<TableMigration> tables = SnapshotStep.resolve(ctx, source, target);
        List<String> problems = new ArrayList<>();
        try (Connection s = source.connect(); Connection t = target.connect()) {
            for (String name : check.tables()) {
                TableMigration tm = tables.stream().filter(m -> m.targetTable().equals(name) || m.sourceTable().equals(name)).findFirst()
                        .orElse(null);
                if (tm == null) {
                    problems.add(name + " is not a migrated table");
                    continue;
                }
                TableChecksums.Result r = TableChecksums.compare(s, t, tm, 5);
                if (r.matches()) {
                    ctx.reporter.info("  " + tm.targetTable() + ": " + r.targetRows() + " rows, checksum " + r.targetSum());
                } else {
                    problems.add(tm.targetTable() + " differs from the converted " + tm.sourceTable() + " (" + r.sourceRows() + " vs "
                            + r.targetRows() + " rows); first differing keys: " + String.join(", ", r.differingKeys()));
                }
            }
        }
        return problems;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The path on every new instance directly, not through the ingress. */
    private static List<String> http(ApplyContext ctx, CheckSpec.Http h) {
        List<String> problems = new ArrayList<>();
        for (Endpoint e : ctx.endpoints()) {
            int status;
            try {
                HttpRequest req = HttpRequest.newBuilder(URI.create(e.url() + h.path())).timeout(Duration.ofSeconds(10)).GET().build();
                status = HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (Exception ex) {
                if (ex instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                problems.add(e + h.path() + " did not answer (" + ex.getClass().getSimpleName() + ")");
                continue;
            }
            if (status != h.expect()) {
                problems.add(e + h.path() + " answered " + status + ", expected " + h.expect());
            }
        }
        return problems;
    }
}
