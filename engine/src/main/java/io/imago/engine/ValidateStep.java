package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.CheckSpec;
import io.imago.migration.ConsistentCut;
import io.imago.migration.DataChecks;
import io.imago.migration.LogShipper;
import io.imago.migration.LogShippingException;
import io.imago.migration.PgEndpoint;
import io.imago.migration.PgErrors;
import io.imago.migration.TableMigration;
import io.imago.providers.spi.Endpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
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
        String shadow = bp.validate().stream().filter(c -> c instanceof CheckSpec.Shadow).map(c -> (CheckSpec.Shadow) c)
                .map(s -> "; shadow: " + ShadowGate.percent(s.sample()).replace(".0%", "%") + " of live reads copied to the new universe for "
                        + io.imago.blueprints.Durations.format(s.duration()) + ", passes at ≥ " + s.minRequests() + " compared, ≤ "
                        + ShadowGate.percent(s.maxMismatchRate()) + " differing, latency ≤ " + ShadowGate.number(s.maxLatencyRatio()) + "× old")
                .findFirst().orElse("");
        return Plural.count(bp.validate().size(), "check") + " against the new universe" + shadow;
    }

    @Override
    public String run(ApplyContext ctx) throws Exception {
        List<String> failures = new ArrayList<>();
        ctx.checks.clear();
        int[] passed = {0};
        List<CheckSpec> data = ctx.bp.validate().stream().filter(ValidateStep::isDataCheck).toList();
        List<CheckSpec> live = ctx.bp.validate().stream().filter(c -> !isDataCheck(c)).toList();
        if (!data.isEmpty()) {
            dataChecks(ctx, data, failures, passed);
        }
        for (CheckSpec check : live) {
            long t0 = System.nanoTime();
            List<String> problems;
            Object details = null;
            if (check instanceof CheckSpec.Shadow s) {
                ShadowCheck.Outcome o = ShadowCheck.run(ctx, s);
                problems = o.problems();
                details = o.details();
            } else if (check instanceof CheckSpec.Http h) {
                problems = http(ctx, h);
            } else if (check instanceof CheckSpec.Compare c) {
                problems = AnswerComparison.compare(ctx, c);
            } else {
                problems = CommandCheck.run(ctx, (CheckSpec.Command) check);
            }
            record(ctx, check, problems, failures, passed, t0, details);
            double took = (System.nanoTime() - t0) / 1e9;
            if (check instanceof CheckSpec.Http) {
                ctx.measure(Throughput.HTTP_REQUEST, took / Math.max(1, ctx.instances().size()), "an http check on "
                        + Plural.count(ctx.instances().size(), "instance") + " in " + Forecasts.seconds(took));
            } else if (check instanceof CheckSpec.Compare) {
                ctx.measure(Throughput.HTTP_REQUEST, took / 2, "a compare check (2 requests) in " + Forecasts.seconds(took));
            } else if (check instanceof CheckSpec.Command) {
                ctx.measure(Throughput.COMMAND, took, "a command check in " + Forecasts.seconds(took));
            }
        }
        if (!failures.isEmpty()) {
            throw new EngineException(EngineException.Kind.REJECTED, "validation rejected " + ctx.bp.universe() + ":\n  - "
                    + String.join("\n  - ", failures)).withDetails(java.util.Map.of("checks", List.copyOf(ctx.checks)));
        }
        return Plural.count(passed[0], "check") + " passed";
    }

    private static boolean isDataCheck(CheckSpec c) {
        return c instanceof CheckSpec.RowCounts || c instanceof CheckSpec.Checksums;
    }

    private static void record(ApplyContext ctx, CheckSpec check, List<String> problems, List<String> failures, int[] passed, long t0) {
        record(ctx, check, problems, failures, passed, t0, null);
    }

    private static void record(ApplyContext ctx, CheckSpec check, List<String> problems, List<String> failures, int[] passed, long t0,
            Object details) {
        String label = label(check);
        ctx.checks.add(new CheckResult(label, problems.isEmpty(), List.copyOf(problems), details));
        String took = " (" + (System.nanoTime() - t0) / 1_000_000 + " ms)";
        if (problems.isEmpty()) {
            ctx.reporter.info("PASS " + label + took);
            passed[0]++;
        } else {
            problems.forEach(p -> ctx.reporter.info("FAIL " + label + took + ": " + p));
            problems.forEach(p -> failures.add(label + ": " + p));
        }
    }

    /**
     * Row counts and checksums compare source and target at one log position, a {@link ConsistentCut}: writes to
     * the old universe are held only while the cut is taken (fence, drain to it, both snapshots exported), at most
     * {@code switchover.maxWritePause}, and reported; the checks then read both snapshots while the old universe
     * takes writes again. The blueprint's expressions are evaluated by the new universe's database only.
     */
    private static void dataChecks(ApplyContext ctx, List<CheckSpec> data, List<String> failures, int[] passed) throws Exception {
        if (ctx.old == null || ctx.bp.database() == null) {
            for (CheckSpec check : data) { // nothing was migrated: nothing to compare
                record(ctx, check, List.of(), failures, passed, System.nanoTime());
            }
            return;
        }
        PgEndpoint source = SnapshotStep.endpoint(ctx.oldDb(true));
        PgEndpoint target = SnapshotStep.endpoint(ctx.db(true));
        List<TableMigration> tables = SnapshotStep.resolve(ctx, source, target);
        var sizes = Calibrating.sizes(ctx, SnapshotStep.endpoint(ctx.oldReader()), tables.stream().map(TableMigration::sourceTable).toList());
        long cutStart = System.nanoTime();
        try (ConsistentCut cut = cut(ctx, source, target)) {
            long checksStart = System.nanoTime();
            long bytes = 0;
            for (CheckSpec check : data) {
                long t0 = System.nanoTime();
                List<String> problems = check instanceof CheckSpec.Checksums c ? checksums(ctx, cut, tables, c) : rowCounts(ctx, cut, tables);
                record(ctx, check, problems, failures, passed, t0);
                bytes += sizes == null ? 0 : comparedBytes(check, sizes, tables);
            }
            if (sizes != null) {
                Calibrating.dataChecks(ctx, bytes, (checksStart - cutStart) / 1e9, (System.nanoTime() - checksStart) / 1e9);
            }
        }
    }

    /** Source heap bytes a data check reads: every migrated table for rowCounts, the named ones for checksums. */
    private static long comparedBytes(CheckSpec check, List<io.imago.migration.LiveCatalog.TableSize> sizes, List<TableMigration> tables) {
        List<String> read = check instanceof CheckSpec.Checksums c
                ? tables.stream().filter(m -> c.tables().contains(m.targetTable()) || c.tables().contains(m.sourceTable()))
                        .map(TableMigration::sourceTable).toList()
                : tables.stream().map(TableMigration::sourceTable).toList();
        return sizes.stream().filter(s -> read.contains(s.table())).mapToLong(io.imago.migration.LiveCatalog.TableSize::heapBytes).sum();
    }

    private static ConsistentCut cut(ApplyContext ctx, PgEndpoint source, PgEndpoint target) throws SQLException {
        LogShipper shipper = ctx.shipper;
        Duration maxHold = ctx.bp.switchover().maxWritePause();
        // The owner only fences; the checks read production as a role that cannot write.
        PgEndpoint reader = SnapshotStep.endpoint(ctx.oldReader());
        try {
            ConsistentCut cut = shipper == null
                    ? ConsistentCut.take(source, reader, target, List.of(), null, maxHold)
                    : ConsistentCut.take(source, reader, target, SnapshotStep.publicTables(source), shipper::drainTo, maxHold);
            if (shipper != null) {
                reportHold(ctx, cut.holdMillis(), " at " + cut.position());
            }
            return cut;
        } catch (ConsistentCut.NotInTime e) {
            reportHold(ctx, e.heldMillis(), "");
            throw EngineException.failed("comparing " + ctx.old.name() + " and " + ctx.bp.universe() + " at one log position (rowCounts, "
                    + "checksums) would hold writes to " + ctx.old.name() + " longer than switchover.maxWritePause (" + maxHold.toMillis()
                    + " ms): " + e.getMessage() + ". " + ctx.old.name() + " stays live; try again, or raise switchover.maxWritePause");
        } catch (LogShippingException e) {
            throw new EngineException(EngineException.Kind.FAILED, "log shipping failed: " + PgErrors.rootMessage(e), e);
        }
    }

    private static void reportHold(ApplyContext ctx, long ms, String where) {
        ctx.reporter.info("  writes to " + ctx.old.name() + " were held " + ms + " ms for the data checks' consistent cut" + where);
        ctx.update(s -> Fact.VALIDATION_HOLD_MS.set(s, ms));
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
        } else if (check instanceof CheckSpec.Shadow) {
            return "shadow";
        }
        return "rowCounts";
    }

    /** Source rows that the transforms keep vs rows on the target, per migrated table. */
    private static List<String> rowCounts(ApplyContext ctx, ConsistentCut cut, List<TableMigration> tables) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (TableMigration tm : tables) {
            DataChecks.RowCount r = DataChecks.rowCount(cut, tm);
            if (!r.matches()) {
                problems.add(tm.sourceTable() + " has " + Plural.count(r.sourceRows(), "row") + " to migrate but " + tm.targetTable()
                        + " has " + Plural.count(r.targetRows(), "row"));
            } else {
                ctx.reporter.info("  " + tm.sourceTable() + " → " + tm.targetTable() + ": " + Plural.count(r.targetRows(), "row"));
            }
        }
        return problems;
    }

    /** Order-independent checksums of the converted source rows vs the target's, per named target table. */
    private static List<String> checksums(ApplyContext ctx, ConsistentCut cut, List<TableMigration> tables, CheckSpec.Checksums check)
            throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String name : check.tables()) {
            TableMigration tm = tables.stream().filter(m -> m.targetTable().equals(name) || m.sourceTable().equals(name)).findFirst()
                    .orElse(null);
            if (tm == null) {
                problems.add(name + " is not a migrated table");
                continue;
            }
            DataChecks.Checksum r = DataChecks.checksum(cut, tm, 5);
            if (r.matches()) {
                ctx.reporter.info("  " + tm.targetTable() + ": " + Plural.count(r.targetRows(), "row") + ", checksum " + r.targetSum());
            } else {
                problems.add(tm.targetTable() + " differs from the converted " + tm.sourceTable() + " (" + r.sourceRows() + " vs "
                        + Plural.count(r.targetRows(), "row") + "); first differing keys: " + String.join(", ", r.differingKeys()));
            }
        }
        return problems;
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
