package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.providers.spi.Provider;
import io.imago.state.IngressState;
import io.imago.state.JournalEntry;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One {@code apply} of one blueprint: runs the pipeline's steps in order, journaling each before
 * and after it runs. Re-run after a kill, it resumes: steps whose work is durable are skipped, the
 * others are idempotent and run again.
 *
 * <p>The flip of the ingress is the commit point ({@link FailurePolicy}): a failure before it leaves the
 * old universe live, unfenced and slot-free and releases what the new universe rented; after it, nothing
 * is released, and what is left is clean-up that a re-run finishes.
 */
final class ApplyRun {
    static final List<Step> PIPELINE = List.of(new ProvisionStep(), new PrepareStep(), new SeedStep(), new SnapshotStep(),
            new CatchUpStep(), new ValidateStep(), new SwitchoverStep(), new RetireStep());

    private final StateStore store;
    private final Reporter reporter;
    private final Function<String, Provider> providers;
    private final List<Step> pipeline;

    ApplyRun(StateStore store, Reporter reporter, Function<String, Provider> providers) {
        this(store, reporter, providers, PIPELINE);
    }

    /** With another pipeline: for tests of the failure policy on an in-memory provider. */
    ApplyRun(StateStore store, Reporter reporter, Function<String, Provider> providers, List<Step> pipeline) {
        this.store = store;
        this.reporter = reporter;
        this.providers = providers;
        this.pipeline = pipeline;
    }

    ApplyResult apply(Blueprint bp) {
        return apply(bp, null);
    }

    /** @param forecast what plan forecasts for this apply, kept in the state for {@code status}; null for none */
    ApplyResult apply(Blueprint bp, Plan.Forecast forecast) {
        UniverseState existing = store.universe(bp.universe()).orElse(null);
        if (existing != null && existing.phase() == Phase.LIVE && existing.stepDone(StepName.SWITCHOVER.name())
                && (bp.replaces() == null || existing.stepDone(StepName.RETIRE.name()))) {
            return ApplyResult.upToDate(existing);
        }
        if (existing != null && (existing.phase() == Phase.RETIRING)) {
            throw EngineException.badInput("universe " + bp.universe() + " has been replaced by " + Fact.REPLACED_BY.get(existing)
                    + "; give the new version a new universe name");
        }
        UniverseState old = bp.replaces() == null ? null : findReplaced(bp, existing);
        guardIngress(bp, old);
        Provider provider = providers.apply(bp.provider().type());
        Provider oldProvider = old == null ? null : providers.apply(old.provider());

        UniverseState state;
        if (existing == null || existing.phase() == Phase.FAILED || existing.phase() == Phase.REJECTED
                || existing.phase() == Phase.ROLLED_BACK) {
            if (existing != null) {
                reporter.info("starting " + bp.universe() + " afresh (its last apply " + existing.phase().name().toLowerCase() + ")");
                new UniverseDestroyer(store, reporter).releaseRented(existing, provider);
            }
            state = UniverseState.create(bp.universe(), bp.provider().type(), bp.file().toAbsolutePath().toString(), bp.replaces(),
                    bp.ingress().name());
            if (forecast != null) {
                state = Fact.FORECAST.set(state, StepTimes.of(forecast));
            }
            store.save(state);
        } else {
            state = existing;
            reporter.info("resuming the apply of " + bp.universe());
        }
        ApplyContext ctx = new ApplyContext(bp, store, provider, Interruption.checkpointing(reporter), state, old, oldProvider);
        // A move between providers: the ingress users reach stays with the provider that made it (see Fronts).
        store.ingress(bp.ingress().name()).filter(i -> i.provider() != null && !i.provider().equals(bp.provider().type()))
                .ifPresent(i -> ctx.ingressProvider(providers.apply(i.provider())));
        return run(ctx);
    }

    private ApplyResult run(ApplyContext ctx) {
        List<ApplyResult.StepReport> reports = new ArrayList<>();
        boolean switched = FailurePolicy.flipped(ctx);
        if (!switched) {
            // A run killed inside the switch's pause may have left the old universe fenced: it serves, so lift it first.
            FailurePolicy.restoreOldIfFenced(ctx);
        }
        StepName current = null;
        try {
            for (Step step : pipeline) {
                current = step.name();
                if (!step.applies(ctx)) {
                    continue;
                }
                if (skipOnResume(ctx, step.name(), switched)) {
                    reporter.stepSkipped(step.name().name(), "done by an earlier run");
                    reports.add(new ApplyResult.StepReport(step.name().name(), "skipped", 0, "done by an earlier run"));
                    continue;
                }
                Interruption.checkpoint();
                FaultInjection.at(step.name(), "started");
                reporter.stepStarted(step.name().name(), step.name().description());
                ctx.journal(step.name(), JournalEntry.Status.STARTED, null);
                long t0 = System.nanoTime();
                String detail = step.run(ctx);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                ctx.journal(step.name(), JournalEntry.Status.DONE, detail);
                ctx.saveMeasurements();
                reporter.stepDone(step.name().name(), detail, took);
                reports.add(new ApplyResult.StepReport(step.name().name(), "done", took.toMillis() / 1000.0, detail));
                FaultInjection.at(step.name(), "done");
            }
        } catch (Exception e) {
            throw new FailurePolicy(ctx, reporter).fail(current, e);
        } finally {
            ctx.stopShipper();
        }
        ctx.update(s -> Fact.LAST_ERROR.clear(s).withPhase(Phase.LIVE));
        return new ApplyResult(ctx.bp.universe(), Phase.LIVE.name(), false, reports, Fact.WRITE_PAUSE_MS.get(ctx.state()),
                ctx.ingressState().map(i -> ctx.ingressProvider().ingress().url(Resources.resource(i.resource()))).orElse(null),
                List.copyOf(ctx.checks));
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

    private UniverseState findReplaced(Blueprint bp, UniverseState existing) {
        UniverseState old = store.universe(bp.replaces()).orElse(null);
        if (old == null) {
            if (existing != null && (existing.stepDone(StepName.SWITCHOVER.name()) || Fact.FLIPPED_AT.isSet(existing))) {
                return null;
            }
            throw EngineException.failed("universe " + bp.replaces() + " (named by replaces:) is not in the state "
                    + "(see `imago status`); apply its blueprint first");
        }
        boolean replacedByThis = bp.universe().equals(Fact.REPLACED_BY.get(old));
        if (old.phase() != Phase.LIVE && !(old.phase() == Phase.RETIRING && (replacedByThis || Fact.REPLACED_BY.get(old) == null))) {
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
}
