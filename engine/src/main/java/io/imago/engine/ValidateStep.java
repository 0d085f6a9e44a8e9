package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.CheckSpec;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.SessionFence;
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
    public boolean planned(Blueprint bp) {
        return !bp.validate().isEmpty();
    }

    @Override
    public String preview(Blueprint bp) {
        return bp.validate().size() + " check(s) against the new universe";
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        List<String> failures = new ArrayList<>();
        int[] passed = {0};
        List<CheckSpec> data = ctx.bp.validate().stream().filter(ValidateStep::isDataCheck).toList();
        List<CheckSpec> live = ctx.bp.validate().stream().filter(c -> !isDataCheck(c)).toList();
        if (!data.isEmpty()) {
            withQuietSource(ctx, () -> {
                for (CheckSpec check : data) {
                    long t0 = System.nanoTime();
                    List<String> problems = check instanceof CheckSpec.Checksums c ? checksums(ctx, c) : rowCounts(ctx);
                    record(ctx, check, problems, failures, passed, t0);
                }
            });
        }
        for (CheckSpec check : live) {
            long t0 = System.nanoTime();
            List<String> problems;
            if (check instanceof CheckSpec.Http h) {
                problems = http(ctx, h);
            } else if (check instanceof CheckSpec.Compare c) {
                problems = AnswerComparison.compare(ctx, c);
            } else {
                problems = CommandCheck.run(ctx, (CheckSpec.Command) check);
            }
            record(ctx, check, problems, failures, passed, t0);
        }
        if (!failures.isEmpty()) {
            throw new EngineException(EngineException.Kind.REJECTED, "validation rejected " + ctx.bp.universe() + ":\n  - "
                    + String.join("\n  - ", failures));
        }
        return passed[0] + " check" + (passed[0] == 1 ? "" : "s") + " passed";
    }

    private static boolean isDataCheck(CheckSpec c) {
        return c instanceof CheckSpec.RowCounts || c instanceof CheckSpec.Checksums;
    }

    private static void record(ApplyContext ctx, CheckSpec check, List<String> problems, List<String> failures, int[] passed, long t0) {
        String label = label(check);
        String took = " (" + (System.nanoTime() - t0) / 1_000_000 + " ms)";
        if (problems.isEmpty()) {
            ctx.reporter.info("PASS " + label + took);
            passed[0]++;
        } else {
            problems.forEach(p -> ctx.reporter.info("FAIL " + label + took + ": " + p));
            problems.forEach(p -> failures.add(label + ": " + p));
        }
    }

    interface DataChecks {
        void run() throws Exception;
    }

    /**
     * Source and target must be compared at one log position: writes to the old universe are held
     * (at its database) while shipping drains to the fence and the data checks run, then let go.
     * The hold is reported; it lasts as long as the checks.
     */
    private static void withQuietSource(ApplyContext ctx, DataChecks checks) throws Exception {
        if (ctx.shipper == null) {
            checks.run();
            return;
        }
        PgEndpoint source = SnapshotStep.endpoint(ctx.oldDb(true));
        long t0 = System.nanoTime();
        SessionFence fence = SnapshotStep.acquireFence(ctx, source, SnapshotStep.publicTables(source));
        try {
            Duration drain = ctx.bp.switchover().drainTimeout();
            if (!ctx.shipper.drainTo(Lsn.parse(fence.position()), drain)) {
                throw EngineException.failed("log shipping did not reach the validation point within drainTimeout (" + drain.toSeconds() + "s)");
            }
            checks.run();
        } finally {
            fence.release();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            ctx.reporter.info("  writes to " + ctx.old.name() + " were held " + ms + " ms for the data checks");
            ctx.update(s -> Fact.VALIDATION_HOLD_MS.set(s, ms));
        }
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
