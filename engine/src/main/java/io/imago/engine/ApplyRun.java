package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Provider;
import io.imago.state.IngressState;
import io.imago.state.JournalEntry;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@code apply} of one blueprint: runs the pipeline's steps in order, journaling each before
 * and after it runs. Re-run after a kill, it resumes: steps whose work is durable are skipped, the
 * others are idempotent and run again. A failure before the switch leaves the old universe live,
 * lifts any fence and releases what the new universe rented.
 */
final class ApplyRun {
    static final List<Step> PIPELINE = List.of(new ProvisionStep(), new PrepareStep(), new SeedStep(), new SnapshotStep(),
            new CatchUpStep(), new ValidateStep(), new SwitchoverStep(), new RetireStep());

    private final StateStore store;
    private final Reporter reporter;

    ApplyRun(StateStore store, Reporter reporter) {
        this.store = store;
        this.reporter = reporter;
    }

    ApplyResult apply(Blueprint bp) {
        UniverseState existing = store.universe(bp.universe()).orElse(null);
        if (existing != null && existing.phase() == Phase.LIVE && existing.stepDone(StepName.SWITCHOVER.name())
                && (bp.replaces() == null || existing.stepDone(StepName.RETIRE.name()))) {
            return ApplyResult.upToDate(existing);
        }
        if (existing != null && (existing.phase() == Phase.RETIRING)) {
            throw EngineException.badInput("universe " + bp.universe() + " has been replaced by " + existing.fact("replacedBy")
                    + "; give the new version a new universe name");
        }
        UniverseState old = bp.replaces() == null ? null : findReplaced(bp, existing);
        guardIngress(bp, old);
        Provider provider = ProviderRegistry.open(bp.provider().type(), bp.provider().settings(), store, reporter::info);
        Provider oldProvider = old == null ? null
                : old.provider().equals(bp.provider().type()) ? provider : ProviderRegistry.open(old.provider(), java.util.Map.of(), store, reporter::info);

        UniverseState state;
        if (existing == null || existing.phase() == Phase.FAILED || existing.phase() == Phase.REJECTED
                || existing.phase() == Phase.ROLLED_BACK) {
            if (existing != null) {
                reporter.info("starting " + bp.universe() + " afresh (its last apply " + existing.phase().name().toLowerCase() + ")");
                new UniverseDestroyer(store, reporter).releaseRented(existing, provider);
            }
            state = UniverseState.create(bp.universe(), bp.provider().type(), bp.file().toAbsolutePath().toString(), bp.replaces(),
                    bp.ingress().name());
            store.save(state);
        } else {
            state = existing;
            reporter.info("resuming the apply of " + bp.universe());
        }
        ApplyContext ctx = new ApplyContext(bp, store, provider, reporter, state, old, oldProvider);
        return run(ctx);
    }

    private ApplyResult run(ApplyContext ctx) {
        List<ApplyResult.StepReport> reports = new ArrayList<>();
        boolean switched = ctx.state().stepDone(StepName.SWITCHOVER.name()) || ingressAlreadyOnNew(ctx);
        StepName current = null;
        try {
            for (Step step : PIPELINE) {
                current = step.name();
                if (!step.applies(ctx)) {
                    continue;
                }
                if (skipOnResume(ctx, step.name(), switched)) {
                    reporter.stepSkipped(step.name().name(), "done by an earlier run");
                    reports.add(new ApplyResult.StepReport(step.name().name(), "skipped", 0, "done by an earlier run"));
                    continue;
                }
                FaultInjection.at(step.name(), "started");
                reporter.stepStarted(step.name().name(), step.name().description());
                ctx.journal(step.name(), JournalEntry.Status.STARTED, null);
                long t0 = System.nanoTime();
                String detail = step.run(ctx);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                ctx.journal(step.name(), JournalEntry.Status.DONE, detail);
                reporter.stepDone(step.name().name(), detail, took);
                reports.add(new ApplyResult.StepReport(step.name().name(), "done", took.toMillis() / 1000.0, detail));
                FaultInjection.at(step.name(), "done");
            }
        } catch (Exception e) {
            throw fail(ctx, current, e);
        } finally {
            if (ctx.shipper != null) {
                ctx.shipper.stop();
            }
        }
        ctx.update(s -> s.withPhase(Phase.LIVE));
        return new ApplyResult(ctx.bp.universe(), Phase.LIVE.name(), false, reports, parseLong(ctx.state().fact("writePauseMs")),
                ctx.ingressState().map(i -> ctx.provider.ingress().url(Resources.resource(i.resource()))).orElse(null));
    }

    /**
     * Which steps an earlier run made durable: schema and seed carry their own markers; a finished
     * copy stays good, since its slot keeps every later change and shipping resumes from the
     * position it recorded in the target; catching up and validating run again in each run (the
     * shipper lives in this process). After the switch, nothing before it runs again.
     */
    private static boolean skipOnResume(ApplyContext ctx, StepName step, boolean switched) {
        if (switched) {
            return step.ordinal() < StepName.SWITCHOVER.ordinal() && step != StepName.PROVISION;
        }
        return (step == StepName.PREPARE || step == StepName.SEED || step == StepName.SNAPSHOT) && ctx.state().stepDone(step.name());
    }

    /** A run killed between the flip and its journal entry: the ingress itself says so. */
    private static boolean ingressAlreadyOnNew(ApplyContext ctx) {
        if (ctx.old == null) {
            return false;
        }
        IngressState ing = ctx.ingressState().orElse(null);
        if (ing == null || ctx.state().resources("instance").isEmpty()) {
            return false;
        }
        if (ctx.bp.universe().equals(ing.live())) {
            return true;
        }
        try {
            Set<Endpoint> target = new HashSet<>(ctx.provider.ingress().target(Resources.resource(ing.resource())));
            Set<Endpoint> mine = new HashSet<>(ctx.endpoints());
            return !target.isEmpty() && mine.containsAll(target);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private RuntimeException fail(ApplyContext ctx, StepName step, Exception e) {
        boolean rejected = e instanceof EngineException ee && ee.kind() == EngineException.Kind.REJECTED;
        String reason = e instanceof EngineException || e instanceof io.imago.providers.spi.ProviderException
                ? e.getMessage() : describe(e);
        if (ctx.shipper != null) {
            ctx.shipper.stop();
            ctx.shipper = null;
        }
        if (step != null) {
            ctx.journal(step, JournalEntry.Status.FAILED, reason);
        }
        boolean switched = ctx.state().stepDone(StepName.SWITCHOVER.name());
        if (switched) {
            // The new universe serves users: never tear it down; a re-run finishes the retirement.
            ctx.update(s -> s.withFact("lastError", reason));
            return EngineException.failed(step + " failed after the switch (" + ctx.bp.universe() + " is live): " + reason
                    + "\nre-run `imago apply` to finish");
        }
        SlotCleanup.dropIfAny(ctx.store, ctx.state(), reporter);
        if (rejected) {
            ctx.update(s -> s.withPhase(Phase.REJECTED).withFact("rejectedBecause", reason));
            return new EngineException(EngineException.Kind.REJECTED, reason + "\n" + liveNote(ctx)
                    + ctx.bp.universe() + " is kept for inspection; `imago destroy " + ctx.bp.universe() + "` removes it");
        }
        reporter.warn(step + " failed; releasing what " + ctx.bp.universe() + " rented");
        try {
            UniverseDestroyer d = new UniverseDestroyer(ctx.store, reporter);
            d.releaseRented(ctx.state(), ctx.provider);
            ctx.update(s -> s.withoutResources(r -> true).withPhase(Phase.FAILED).withFact("lastError", reason));
            if (ctx.old == null) {
                d.releaseIngressIfOrphaned(ctx.state(), ctx.provider);
            }
        } catch (RuntimeException cleanup) {
            reporter.warn("could not release everything: " + cleanup.getMessage() + "; `imago destroy " + ctx.bp.universe() + "` retries");
        }
        return new EngineException(EngineException.Kind.FAILED, step + " failed: " + reason + "\n" + liveNote(ctx).strip(), e);
    }

    private static String liveNote(ApplyContext ctx) {
        return ctx.old != null ? ctx.old.name() + " is still live and unchanged.\n" : "";
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private UniverseState findReplaced(Blueprint bp, UniverseState existing) {
        UniverseState old = store.universe(bp.replaces()).orElse(null);
        if (old == null) {
            if (existing != null && existing.stepDone(StepName.SWITCHOVER.name())) {
                return null;
            }
            throw EngineException.failed("universe " + bp.replaces() + " (named by replaces:) is not in the state "
                    + "(see `imago status`); apply its blueprint first");
        }
        if (old.phase() != Phase.LIVE && old.phase() != Phase.RETIRING) {
            throw EngineException.failed("universe " + bp.replaces() + " is " + old.phase().name().toLowerCase() + ", not live");
        }
        if (old.ingress() != null && !old.ingress().equals(bp.ingress().name())) {
            throw EngineException.badInput("universe " + bp.replaces() + " is reached through ingress '" + old.ingress()
                    + "', but this blueprint names ingress '" + bp.ingress().name() + "'");
        }
        return old;
    }

    /** A blueprint that replaces nothing must not take an ingress that serves another universe. */
    private void guardIngress(Blueprint bp, UniverseState old) {
        IngressState ing = store.ingress(bp.ingress().name()).orElse(null);
        if (ing == null || ing.live() == null || ing.live().equals(bp.universe())) {
            return;
        }
        if (old == null && bp.replaces() == null) {
            throw EngineException.badInput("ingress '" + bp.ingress().name() + "' serves universe " + ing.live()
                    + "; to upgrade it, add `replaces: " + ing.live() + "` to " + bp.file().getFileName());
        }
    }

    private static Long parseLong(String s) {
        return s == null ? null : Long.parseLong(s);
    }
}
