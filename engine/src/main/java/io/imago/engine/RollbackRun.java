package io.imago.engine;

import io.imago.migration.LiveCatalog;
import io.imago.migration.LogShipper;
import io.imago.migration.LogShippingException;
import io.imago.migration.Lsn;
import io.imago.migration.PgEndpoint;
import io.imago.migration.ReverseMigration;
import io.imago.migration.WriteFence;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.ResourceRecord;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code imago rollback}: the switchover protocol run backwards, inside the rollback window. The
 * writes made on the universe that went live are shipped back to the replaced one from the slot
 * the switch opened (catch-up first, while users keep writing), then requests are held, the live
 * database fenced for good, the last changes drained, the replaced universe's write fence lifted and
 * the ingress flipped back in one call. The rolled-back universe stays, fenced, for inspection until
 * {@code imago destroy}.
 *
 * <p>The flip back is the commit point, as in an apply: it is recorded the instant it happens (the
 * replaced universe live again first, so that no later command can retire it, then the ingress, then
 * the rolled-back universe with its clean-up marked pending). Before it, a failure leaves the live
 * universe live; after it, a re-run finds the ingress already back (or the clean-up pending) and
 * finishes, in the safe order: fence the side left, ship what is left, then lift the other's fence.
 */
final class RollbackRun {
    private static final long CAUGHT_UP_BYTES = 16L * 1024 * 1024;
    private static final Duration CAUGHT_UP_TIME = Duration.ofSeconds(1);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(30);

    private final StateStore store;
    private final Reporter reporter;
    private final Function<String, Provider> providers;

    RollbackRun(StateStore store, Reporter reporter, Function<String, Provider> providers) {
        this.store = store;
        this.reporter = reporter;
        this.providers = providers;
    }

    /** @param name the universe to roll back, or the replaced universe to roll back to */
    RollbackResult rollback(String name, boolean acceptLoss) throws Exception {
        RollbackResult done = alreadyDone(name);
        if (done != null) {
            return done;
        }
        Pair pair = pair(name);
        UniverseState live = pair.live();
        UniverseState old = pair.old();
        Provider liveProvider = providers.apply(live.provider());
        Provider oldProvider = providers.apply(old.provider());
        IngressState ing = store.ingress(live.ingress())
                .orElseThrow(() -> EngineException.failed("ingress " + live.ingress() + " of " + live.name() + " is missing from the state"));
        Resource ingress = Resources.resource(ing.resource());
        // The ingress users reach belongs to its own provider, which a move between providers need not share (see Fronts).
        Provider ingressOwner = ing.provider() == null ? liveProvider : providers.apply(ing.provider());
        List<Endpoint> oldBackends = backends(old, oldProvider, ingressOwner);
        boolean alreadyBack = Fact.ROLLBACK_CLEANUP_PENDING.isSet(live)
                || new HashSet<>(ingressOwner.ingress().target(ingress)).equals(new HashSet<>(oldBackends));

        PgEndpoint liveAdmin = SnapshotStep.endpoint(credentials(liveProvider, live, true));
        PgEndpoint oldAdmin = SnapshotStep.endpoint(credentials(oldProvider, old, true));
        ReverseMigration.Plan plan = RollbackWindow.resolveRecorded(live, liveAdmin, oldAdmin);
        Lsn from = RollbackWindow.from(live);
        String slot = Fact.ROLLBACK_SLOT.get(live);
        if (alreadyBack && slot != null && !LiveCatalog.slotExists(liveAdmin, slot)) {
            // An earlier run shipped everything back and dropped the slot, then was stopped before recording it.
            plan = new ReverseMigration.Plan(plan.transforms(), List.of(), plan.lossy());
        }
        if ((from == null || slot == null) && !plan.tables().isEmpty()) {
            plan = everythingLost(plan, "the switch did not record where the writes on " + live.name() + " begin");
        }
        // After a flip by an earlier, interrupted run the choice was made then: finish it.
        if (!plan.lossless() && !acceptLoss && !alreadyBack) {
            throw EngineException.failed(lossMessage(live, old, plan) + "\nnothing was changed; to roll back anyway, losing those writes: "
                    + "imago rollback " + name + " --accept-loss");
        }
        if (!alreadyBack) {
            checkHealthy(old, oldProvider);
            // From here a kill may come at any instant, the flip back included: the universe going live again
            // must not be retired by its window meanwhile. (Kept without a deadline if the rollback then fails.)
            store.save(Fact.RETIRE_AFTER.clear(store.universe(old.name()).orElse(old)));
        }
        reporter.stepStarted("ROLLBACK", "ship the writes made on " + live.name() + " back to " + old.name() + ", then switch the ingress back");
        long t0 = System.nanoTime();

        String oldApp = credentials(oldProvider, old, false).user();
        String liveApp = credentials(liveProvider, live, false).user();
        long shipped = 0;
        Long pauseMs = null;
        LogShipper shipper = null;
        try {
            if (!plan.tables().isEmpty()) {
                PgEndpoint liveReader = SnapshotStep.endpoint(liveProvider.database().readerCredentials(Resources.resource(
                        live.resource("database").orElseThrow())));
                shipper = new LogShipper(liveReader, oldAdmin, slot, slot, plan.tables()).onReconnect(reporter::warn);
                shipper.start(from);
                catchUp(shipper);
            }
            if (alreadyBack) {
                reporter.info("the ingress already points at " + old.name() + ": finishing the rollback");
                // The side left is fenced first and drained, and only then does the other take writes: never both at once.
                WriteFence.fence(liveAdmin, liveApp, Duration.ofSeconds(5));
                if (shipper != null) {
                    drainAll(shipper, liveAdmin);
                }
                WriteFence.lift(oldAdmin, oldApp);
                recordFlipBack(live, old, ing, null);
            } else {
                pauseMs = flipBack(live, old, ingressOwner, ingress, ing, oldBackends, liveAdmin, oldAdmin, oldApp, liveApp, shipper, plan);
            }
            shipped = shipper == null ? 0 : shipper.changesApplied();
        } catch (LogShippingException e) {
            throw new EngineException(EngineException.Kind.FAILED, "shipping " + live.name() + "'s writes back failed: " + io.imago.migration.PgErrors.rootMessage(e)
                    + (alreadyBack ? "" : "; " + live.name() + " stays live"), e);
        } finally {
            if (shipper != null) {
                shipper.stop();
            }
        }
        reporter.stepDone("ROLLBACK", Plural.count(shipped, "change") + " shipped back" + (pauseMs == null ? "" : ", writes paused " + pauseMs + " ms")
                + "; ingress → " + old.name(), Duration.ofNanos(System.nanoTime() - t0));
        RollbackWindow.close(store, live, reporter);
        UniverseState liveNow = store.universe(live.name()).orElse(live);
        store.save(Fact.ROLLBACK_CLEANUP_PENDING.clear(liveNow)
                .withJournal("ROLLBACK", io.imago.state.JournalEntry.Status.DONE, "ingress back on " + old.name()));
        return new RollbackResult(live.name(), old.name(), shipped, pauseMs, plan.lossy(),
                ingressOwner.ingress().url(ingress), false);
    }

    /** Where the ingress points to serve the universe: its instances, or its front when it is on another provider. */
    private static List<Endpoint> backends(UniverseState u, Provider provider, Provider ingressOwner) {
        if (!provider.type().equals(ingressOwner.type())) {
            return Fronts.of(provider, u);
        }
        return u.resources("instance").stream().map(r -> provider.compute().endpoint(Resources.resource(r))).toList();
    }

    private record Pair(UniverseState live, UniverseState old) {
    }

    /**
     * A rollback that finished (a re-run after a kill that came once all was recorded, or a second call): named by
     * either universe, it is reported as done and nothing changes, as an apply of a live universe is.
     */
    private RollbackResult alreadyDone(String name) {
        UniverseState u = store.universe(name).orElse(null);
        if (u == null) {
            return null;
        }
        UniverseState from = u.phase() == Phase.ROLLED_BACK ? u
                : u.phase() == Phase.LIVE && Fact.ROLLED_BACK_FROM.isSet(u) ? store.universe(Fact.ROLLED_BACK_FROM.get(u)).orElse(null) : null;
        if (from == null || from.phase() != Phase.ROLLED_BACK || Fact.ROLLBACK_CLEANUP_PENDING.isSet(from)) {
            return null;
        }
        UniverseState to = store.universe(Fact.ROLLED_BACK_TO.get(from)).orElse(null);
        if (to == null || to.phase() != Phase.LIVE) {
            return null;
        }
        String url = null;
        IngressState ing = to.ingress() == null ? null : store.ingress(to.ingress()).orElse(null);
        if (ing != null) {
            url = providers.apply(ing.provider() != null ? ing.provider() : to.provider()).ingress().url(Resources.resource(ing.resource()));
        }
        return new RollbackResult(from.name(), to.name(), 0, null, Map.of(), url, true);
    }

    private static DatabaseCredentials credentials(Provider p, UniverseState u, boolean admin) {
        ResourceRecord db = u.resource("database")
                .orElseThrow(() -> EngineException.failed(u.name() + " has no database, so there are no writes to ship back"));
        return p.database().credentials(Resources.resource(db), admin);
    }

    /** The live universe and the one it replaced, for either name of the pair. */
    private Pair pair(String name) {
        UniverseState u = store.universe(name)
                .orElseThrow(() -> EngineException.badInput("no universe named '" + name + "' in this state (see `imago status`)"));
        // A rollback interrupted after its flip, named by either universe: finish it.
        if (u.phase() == Phase.ROLLED_BACK && Fact.ROLLBACK_CLEANUP_PENDING.isSet(u)) {
            return new Pair(u, required(Fact.ROLLED_BACK_TO.get(u), u));
        }
        if (u.phase() == Phase.LIVE && Fact.ROLLED_BACK_FROM.isSet(u)) {
            UniverseState from = store.universe(Fact.ROLLED_BACK_FROM.get(u)).orElse(null);
            if (from != null && (Fact.ROLLBACK_CLEANUP_PENDING.isSet(from) || from.phase() == Phase.LIVE)) {
                return new Pair(from, u);
            }
        }
        if (u.phase() == Phase.ROLLED_BACK) {
            throw EngineException.badInput(u.name() + " has already been rolled back to " + Fact.ROLLED_BACK_TO.get(u));
        }
        UniverseState live;
        UniverseState old;
        if (u.phase() == Phase.RETIRING && Fact.REPLACED_BY.isSet(u)) {
            old = u;
            live = required(Fact.REPLACED_BY.get(u), u);
        } else if (u.phase() == Phase.LIVE && u.replaces() != null) {
            live = u;
            old = store.universe(u.replaces()).orElse(null);
            boolean backAlready = old != null && old.phase() == Phase.LIVE && u.name().equals(Fact.ROLLED_BACK_FROM.get(old));
            if (old == null || (old.phase() != Phase.RETIRING && !backAlready)) {
                throw EngineException.failed("the rollback window of " + u.name() + " has ended: " + u.replaces()
                        + (old == null ? " has been torn down" : " is " + old.phase().name().toLowerCase())
                        + " (teardown.keepOld sets the window); nothing was changed");
            }
        } else {
            throw EngineException.badInput(u.name() + " is " + u.phase().name().toLowerCase() + ": only a universe that replaced another, "
                    + "within its rollback window, can be rolled back (see `imago status`)");
        }
        if (live.phase() != Phase.LIVE) {
            throw EngineException.failed(live.name() + " is " + live.phase().name().toLowerCase() + ", not live; nothing to roll back");
        }
        return new Pair(live, old);
    }

    private UniverseState required(String name, UniverseState by) {
        return store.universe(name).orElseThrow(() -> EngineException.failed(name + ", named by " + by.name() + ", is no longer in the state"));
    }

    private static ReverseMigration.Plan everythingLost(ReverseMigration.Plan plan, String why) {
        Map<String, String> lossy = new java.util.LinkedHashMap<>(plan.lossy());
        plan.tables().forEach(m -> lossy.put(m.sourceTable(), why));
        return new ReverseMigration.Plan(List.of(), List.of(), lossy);
    }

    static String lossMessage(UniverseState live, UniverseState old, ReverseMigration.Plan plan) {
        StringBuilder b = new StringBuilder("rolling back to " + old.name() + " would lose the writes made on " + live.name() + " to "
                + Plural.count(plan.lossy().size(), "table") + ":");
        plan.lossy().forEach((t, why) -> b.append("\n  - ").append(t).append(": ").append(why));
        return b.toString();
    }

    private void checkHealthy(UniverseState old, Provider p) {
        for (ResourceRecord r : old.resources("instance")) {
            Resource res = Resources.resource(r);
            String path = r.attrs().getOrDefault(Resources.HEALTH_PATH, "/health");
            if (!p.compute().healthy(res, path)) {
                throw EngineException.failed("instance " + r.id() + " of " + old.name() + " does not answer " + path
                        + ", so the ingress cannot go back to it; nothing was changed");
            }
        }
    }

    private void catchUp(LogShipper shipper) throws SQLException {
        long t0 = System.nanoTime();
        boolean caughtUp = shipper.awaitLagBelow(CAUGHT_UP_BYTES, CAUGHT_UP_TIME, CATCH_UP_TIMEOUT, lag -> reporter.progress(new Progress("ROLLBACK",
                "changes shipped back", shipper.changesApplied(), 0, false, Duration.ofNanos(System.nanoTime() - t0), null,
                "lag " + CatchUpStep.brief(lag))));
        if (!caughtUp) {
            throw EngineException.failed("shipping writes back did not catch up within " + CATCH_UP_TIMEOUT.toMinutes() + " min; nothing was changed");
        }
    }

    /** After a flip made by an earlier run: the live side is fenced for good, so its current position is final. */
    private static void drainAll(LogShipper shipper, PgEndpoint liveAdmin) throws SQLException {
        Lsn end = ReverseMigration.switchPosition(liveAdmin);
        if (!shipper.drainTo(end, Duration.ofMinutes(5))) {
            throw EngineException.failed("the last writes did not ship back within 5 min; re-run the rollback");
        }
    }

    private Long flipBack(UniverseState live, UniverseState old, Provider p, Resource ingress, IngressState ing, List<Endpoint> oldBackends,
                          PgEndpoint liveAdmin, PgEndpoint oldAdmin, String oldApp, String liveApp, LogShipper shipper,
                          ReverseMigration.Plan plan) throws Exception {
        WritePause pause = new WritePause(p.ingress(), ingress, oldBackends, old.name(), live.name(), liveAdmin, liveApp, oldAdmin, plan.tables(), shipper,
                Duration.ofMillis(Optional.ofNullable(Fact.ROLLBACK_MAX_PAUSE_MS.get(live)).orElse(2000L)),
                Duration.ofMillis(Optional.ofNullable(Fact.ROLLBACK_DRAIN_MS.get(live)).orElse(10_000L)), "ROLLBACK");
        try {
            // The old universe takes writes again the moment requests reach it.
            WritePause.Result r = Interruption.critical(() -> pause.run((from, to) -> WriteFence.lift(to, oldApp),
                    done -> recordFlipBack(live, old, ing, done.pauseMs())));
            return r.pauseMs();
        } catch (Exception e) {
            if (!Fact.ROLLBACK_CLEANUP_PENDING.isSet(store.universe(live.name()).orElse(live))) {
                // Not flipped: the replaced universe goes back to waiting out its window.
                store.universe(old.name()).ifPresent(o -> store.save(Fact.RETIRE_AFTER.set(o, Fact.RETIRE_AFTER.get(old))));
            }
            throw e;
        }
    }

    /**
     * The commit record of a rollback, the instant the ingress is back: the replaced universe live first (so nothing
     * retires it), then the ingress, then the rolled-back universe, its clean-up pending. Idempotent.
     */
    private void recordFlipBack(UniverseState live, UniverseState old, IngressState ing, Long pauseMs) {
        UniverseState oldNow = store.universe(old.name()).orElse(old);
        if (oldNow.phase() != Phase.LIVE) {
            store.save(Fact.ROLLED_BACK_FROM.set(Fact.REPLACED_BY.clear(Fact.RETIRE_AFTER.clear(oldNow.withPhase(Phase.LIVE))), live.name()));
        }
        IngressState ingNow = store.ingress(ing.name()).orElse(ing);
        if (!old.name().equals(ingNow.live())) {
            store.save(ingNow.pointedAt(old.name()));
        }
        UniverseState liveNow = store.universe(live.name()).orElse(live);
        if (liveNow.phase() != Phase.ROLLED_BACK) {
            UniverseState rolled = Fact.ROLLED_BACK_TO.set(liveNow.withPhase(Phase.ROLLED_BACK), old.name());
            rolled = Fact.ROLLBACK_CLEANUP_PENDING.set(rolled, java.time.Instant.now());
            store.save(pauseMs == null ? rolled : Fact.ROLLBACK_WRITE_PAUSE_MS.set(rolled, pauseMs));
        }
    }
}
