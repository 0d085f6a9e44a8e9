package io.imago.engine;

import io.imago.blueprints.CheckSpec;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.Resource;
import io.imago.providers.spi.shadow.ShadowRequest;
import io.imago.providers.spi.shadow.ShadowResults;
import io.imago.state.IngressState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code shadow} check: asks the ingress to copy a sample of the live reads to the new universe for the check's
 * duration while CATCH_UP keeps it current, then judges what the ingress found ({@link ShadowGate}), prints it and
 * writes the HTML report ({@link ShadowReport}).
 *
 * <p>The comparison itself runs in the ingress process, not here: that is where both answers are (no body crosses
 * the admin API, only counts, histograms and one example per route), where the old and new latencies are measured
 * alike, and it keeps running at the same pace whatever this process does. The engine only starts it, watches it,
 * stops it and applies the blueprint's limits; the ingress stops copying by itself at the deadline if this process
 * dies.
 */
final class ShadowCheck {
    /** What the check found, for the problems list and the JSON output. */
    record Outcome(List<String> problems, Map<String, Object> details) {}

    private ShadowCheck() {}

    static Outcome run(ApplyContext ctx, CheckSpec.Shadow spec) throws Exception {
        IngressState ing = ctx.ingressState().orElseThrow(() -> EngineException.failed("no ingress to copy live requests from"));
        IngressService ingress = ctx.ingressProvider().ingress();
        if (!ingress.canShadow()) {
            return new Outcome(List.of("the " + ctx.ingressProvider().type() + " provider's ingress cannot copy requests to another "
                    + "universe: the shadow check is not supported there"), Map.of());
        }
        Resource res = Resources.resource(ing.resource());
        Duration retryAfter = retryAfter(ctx);
        ingress.startShadow(res, new ShadowRequest(ctx.endpoints(), spec.sample(), spec.duration(), spec.ignore(), retryAfter,
                warmUp(spec)));
        ctx.reporter.info("  copying " + ShadowGate.percent(spec.sample()).replace(".0%", "%") + " of the live reads to "
                + ctx.bp.universe() + " for " + io.imago.blueprints.Durations.format(spec.duration()) + " (a mismatch is asked again after "
                + retryAfter.toMillis() + " ms)");
        ShadowResults results = null;
        try {
            long start = System.nanoTime();
            long end = start + spec.duration().toNanos();
            while (System.nanoTime() < end) {
                Interruption.checkpoint();
                Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
                ShadowResults now;
                try {
                    now = ingress.shadowResults(res);
                } catch (RuntimeException e) {
                    ctx.reporter.info("  (the ingress did not say how far the comparison got: " + e.getMessage() + ")");
                    continue; // only progress: the results are asked for at the end
                }
                ctx.reporter.progress(new Progress("VALIDATE", "requests compared", now.counts().compared(), 0, false,
                        Duration.ofNanos(System.nanoTime() - start), "shadow", now.counts().mismatches() + " differ, "
                        + now.counts().dropped() + " dropped, " + Duration.ofNanos(end - System.nanoTime()).toSeconds() + " s left"));
            }
        } finally {
            try {
                results = ingress.stopShadow(res);
            } catch (RuntimeException e) {
                if (results == null && !Thread.currentThread().isInterrupted()) {
                    ctx.reporter.warn("could not stop the shadow copy (it stops by itself at its deadline): " + e.getMessage());
                }
            }
        }
        if (results == null) {
            throw EngineException.failed("the ingress did not return the shadow comparison's results");
        }
        ShadowGate.Verdict v = ShadowGate.judge(spec, results);
        ShadowReport.lines(v, results, warmUp(spec)).forEach(ctx.reporter::info);
        Path report = writeReport(ctx, spec, v, results);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("verdict", v);
        details.put("limits", spec);
        details.put("results", results);
        details.put("report", report == null ? null : report.toString());
        return new Outcome(v.failures(), details);
    }

    /**
     * The new universe's instances have just started (cold caches, code not yet compiled): latencies of the first tenth of
     * the duration, at most 10 s, are not counted; the copies made then warm them, as users would right after a switch.
     */
    static Duration warmUp(CheckSpec.Shadow spec) {
        Duration tenth = spec.duration().dividedBy(10);
        return tenth.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : tenth;
    }

    /** Twice the new universe's lag behind the old, within 200 ms and 5 s; 300 ms when nothing ships. */
    private static Duration retryAfter(ApplyContext ctx) {
        if (ctx.shipper == null) {
            return Duration.ofMillis(300);
        }
        try {
            long ms = ctx.shipper.lag().seconds().toMillis() * 2 + 100;
            return Duration.ofMillis(Math.max(200, Math.min(5_000, ms)));
        } catch (Exception e) {
            return Duration.ofSeconds(1);
        }
    }

    private static Path writeReport(ApplyContext ctx, CheckSpec.Shadow spec, ShadowGate.Verdict v, ShadowResults r) {
        Path file = spec.report() != null ? ctx.bp.file().toAbsolutePath().getParent().resolve(spec.report())
                : ctx.store.reportsDir().resolve(ctx.bp.universe() + "-shadow.html");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, ShadowReport.page(ctx.bp.universe(), ctx.old == null ? "the old universe" : ctx.old.name(), spec, v, r));
            ctx.reporter.info("  report: " + file);
            return file;
        } catch (IOException | RuntimeException e) {
            ctx.reporter.warn("could not write the shadow report " + file + ": " + e.getMessage());
            return null;
        }
    }
}
