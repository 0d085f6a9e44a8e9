package io.imago.engine;

import io.imago.migration.PgErrors;
import io.imago.providers.spi.ProviderException;
import io.imago.state.JournalEntry;
import io.imago.state.Phase;
import io.imago.state.UniverseState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a failed apply does, decided by where the ingress points, not by the journal alone (a kill or an
 * error can fall between the flip and its record):
 * <ul>
 *   <li>it points at the new universe: the new universe serves users; nothing is released, and the
 *       message says what is left to do, which a re-run finishes;</li>
 *   <li>it cannot be asked: nothing is released either (when in doubt, keep);</li>
 *   <li>it points elsewhere: the old universe is restored (fence lifted, slot dropped) and what the new
 *       universe rented is released, unless validation rejected it (kept for inspection).</li>
 * </ul>
 */
final class FailurePolicy {
    private final ApplyContext ctx;
    private final Reporter reporter;

    FailurePolicy(ApplyContext ctx, Reporter reporter) {
        this.ctx = ctx;
        this.reporter = reporter;
    }

    /** Whether an earlier run (or this one) flipped the ingress to the new universe. */
    static boolean flipped(ApplyContext ctx) {
        UniverseState s = ctx.state();
        if (Fact.FLIPPED_AT.isSet(s) || s.stepDone(StepName.SWITCHOVER.name())) {
            return true;
        }
        return IngressProbe.serves(ctx.store, ctx.provider, s).orElse(false);
    }

    /** A run killed inside the pause, before the flip, may have left the old universe's lasting fence: lift it. */
    static void restoreOldIfFenced(ApplyContext ctx) {
        if (ctx.old == null || !Fact.FENCING_OLD.isSet(ctx.state())) {
            return;
        }
        List<String> left = OldUniverseRestore.liftFenceOnly(ctx.store, ctx.state(), ctx.reporter);
        if (!left.isEmpty()) {
            throw EngineException.failed(String.join("; ", left) + "; re-run `imago apply` once " + ctx.old.name() + "'s database answers");
        }
        // The killed pause may have left the ingress holding requests (see WritePause.CRASH_HOLD): the old universe takes
        // writes again, so they go to it now.
        ctx.ingressState().ifPresent(i -> {
            try {
                ctx.ingressProvider().ingress().release(Resources.resource(i.resource()));
            } catch (RuntimeException e) {
                ctx.reporter.warn("could not let the requests ingress " + i.name() + " holds go (it lets them go by itself within "
                        + WritePause.CRASH_HOLD.toSeconds() + " s): " + e.getMessage());
            }
        });
        ctx.update(Fact.FENCING_OLD::clear);
    }

    RuntimeException fail(StepName step, Exception e) {
        boolean rejected = e instanceof EngineException ee && ee.kind() == EngineException.Kind.REJECTED;
        String reason = e instanceof EngineException || e instanceof ProviderException ? e.getMessage() : PgErrors.rootMessage(e);
        ctx.stopShipper();
        Optional<Boolean> servesNew = Fact.FLIPPED_AT.isSet(ctx.state()) ? Optional.of(true)
                : IngressProbe.serves(ctx.store, ctx.provider, ctx.state());
        try {
            if (step != null) {
                ctx.journal(step, JournalEntry.Status.FAILED, reason);
            }
        } catch (RuntimeException stateWrite) {
            e.addSuppressed(stateWrite);
        }
        if (servesNew.isEmpty()) {
            return new EngineException(EngineException.Kind.FAILED, step + " failed: " + reason
                    + "\ncould not ask ingress " + ctx.bp.ingress().name() + " where it points, so nothing was released"
                    + (ctx.old == null ? "" : " (" + ctx.old.name() + " or " + ctx.bp.universe() + " may be serving)")
                    + "\nre-run `imago apply " + ctx.bp.file() + "` to finish or undo it", e);
        }
        if (servesNew.get()) {
            return afterTheFlip(step, reason, e);
        }
        return beforeTheFlip(step, reason, rejected, e);
    }

    private RuntimeException afterTheFlip(StepName step, String reason, Exception e) {
        try {
            ctx.update(s -> Fact.LAST_ERROR.set(s, reason));
        } catch (RuntimeException stateWrite) {
            e.addSuppressed(stateWrite);
        }
        List<String> left = leftToDo();
        return new EngineException(EngineException.Kind.FAILED, step + " failed after the switch: " + reason
                + "\n" + ctx.bp.universe() + " is live and serves users; nothing was released"
                + (left.isEmpty() ? "" : "\nleft to do: " + String.join("; ", left))
                + "\nre-run `imago apply " + ctx.bp.file() + "` (or any later imago command) to finish", e);
    }

    /** What a re-run still has to do once the ingress points at the new universe. */
    private List<String> leftToDo() {
        List<String> left = new ArrayList<>();
        if (ctx.old == null) {
            return left;
        }
        UniverseState s = ctx.state();
        if (Fact.SLOT.isSet(s)) {
            left.add("the replication slot " + Fact.SLOT.get(s) + " on " + ctx.old.name() + " is not dropped yet");
        }
        UniverseState old = ctx.store.universe(ctx.old.name()).orElse(null);
        if (old != null && old.phase() != Phase.RETIRING) {
            left.add(ctx.old.name() + " is not fenced and marked as replaced yet");
        }
        if (old != null && !s.stepDone(StepName.RETIRE.name())) {
            left.add(ctx.old.name() + " is not retired yet (teardown.keepOld)");
        }
        return left;
    }

    private RuntimeException beforeTheFlip(StepName step, String reason, boolean rejected, Exception e) {
        List<String> notUndone = OldUniverseRestore.restore(ctx.store, ctx.state(), reporter);
        ctx.reload();
        notUndone.forEach(reporter::warn);
        String oldNote = ctx.old == null ? ""
                : notUndone.isEmpty() ? ctx.old.name() + " is still live and unchanged.\n"
                : ctx.old.name() + " is still live; not yet undone: " + String.join("; ", notUndone)
                        + " (re-run the apply or `imago destroy " + ctx.bp.universe() + "` to finish).\n";
        if (rejected) {
            ctx.update(s -> Fact.REJECTED_BECAUSE.set(s, reason).withPhase(Phase.REJECTED));
            return new EngineException(EngineException.Kind.REJECTED, reason + "\n" + oldNote
                    + ctx.bp.universe() + " is kept for inspection; `imago destroy " + ctx.bp.universe() + "` removes it", e)
                    .withDetails(e instanceof EngineException ee ? ee.details() : null);
        }
        reporter.warn(step + " failed; releasing what " + ctx.bp.universe() + " rented");
        try {
            UniverseDestroyer d = new UniverseDestroyer(ctx.store, reporter);
            d.releaseRented(ctx.state(), ctx.provider);
            ctx.update(s -> Fact.LAST_ERROR.set(s.withoutResources(r -> true), reason).withPhase(Phase.FAILED));
            if (ctx.old == null) {
                d.releaseIngressIfOrphaned(ctx.state(), ctx.provider);
            }
        } catch (RuntimeException cleanup) {
            e.addSuppressed(cleanup);
            reporter.warn("could not release everything: " + cleanup.getMessage() + "; `imago destroy " + ctx.bp.universe() + "` retries");
        }
        return new EngineException(EngineException.Kind.FAILED, step + " failed: " + reason + "\n" + oldNote.strip(), e);
    }
}
