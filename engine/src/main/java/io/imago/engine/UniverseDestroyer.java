package io.imago.engine;

import io.imago.providers.spi.Provider;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/**
 * Releases everything a universe rented: what the state lists and what the provider finds tagged
 * with its name (so a kill between renting and recording leaks nothing), and the ingress when it
 * serves no other universe.
 */
final class UniverseDestroyer {
    private final StateStore store;
    private final Reporter reporter;

    UniverseDestroyer(StateStore store, Reporter reporter) {
        this.store = store;
        this.reporter = reporter;
    }

    /**
     * Destroys the universe and deletes its state. Refuses a universe the ingress points at when the state says
     * another one is live there (an interrupted switch or rollback: finishing it, not destroying, is what helps);
     * the universe the state calls live may be destroyed when the user asks for it by name, with its ingress.
     *
     * @param explicit asked for by name ({@code imago destroy}), not a retirement or a failure's clean-up
     */
    void destroy(UniverseState u, Provider provider, boolean explicit) {
        refuseIfServing(u, provider, explicit);
        List<String> left = OldUniverseRestore.restore(store, u, reporter);
        if (u.phase() == Phase.RETIRING && Fact.REPLACED_BY.isSet(u)) {
            // The rollback window closes with the universe it would go back to.
            store.universe(Fact.REPLACED_BY.get(u)).ifPresent(live -> RollbackWindow.close(store, live, reporter));
        }
        releaseRented(u, provider);
        releaseIngressIfOrphaned(u, provider);
        if (!left.isEmpty()) {
            // The record names what is left: deleting it would forget a slot that keeps the old database's WAL.
            store.save(Fact.LAST_ERROR.set(u.withoutResources(r -> true).withPhase(Phase.DESTROYED), String.join("; ", left)));
            throw EngineException.failed("released what " + u.name() + " rented, but: " + String.join("; ", left)
                    + "\nre-run `imago destroy " + u.name() + "` to finish");
        }
        store.deleteUniverse(u.name());
    }

    private void refuseIfServing(UniverseState u, Provider provider, boolean explicit) {
        IngressState ing = u.ingress() == null ? null : store.ingress(u.ingress()).orElse(null);
        if (ing == null || u.name().equals(ing.live()) && explicit) {
            return;
        }
        Optional<Boolean> serves = IngressProbe.serves(store, provider, u);
        if (serves.orElse(!explicit)) {
            throw EngineException.failed("ingress " + ing.name() + (serves.isPresent() ? " points at " + u.name()
                    : " cannot be asked whether it points at " + u.name()) + ", so it is kept"
                    + (ing.live() != null && !ing.live().equals(u.name()) ? " (the state says " + ing.live()
                    + " is live there: a switch or rollback was interrupted; re-run it to finish)" : ""));
        }
    }

    /** Instances and database, not the ingress nor the state record. */
    void releaseRented(UniverseState u, Provider provider) {
        Map<String, Resource> instances = new LinkedHashMap<>();
        u.resources("instance").forEach(r -> instances.put(r.id(), Resources.resource(r)));
        provider.compute().list(u.name()).forEach(r -> instances.putIfAbsent(r.id(), r));
        // Instances stop in parallel: each may take its grace period to drain.
        instances.values().parallelStream().forEach(r -> {
            reporter.info("stopping instance " + r.id());
            provider.compute().destroy(r);
        });
        Map<String, Resource> dbs = new LinkedHashMap<>();
        u.resources("database").forEach(r -> dbs.put(r.id(), Resources.resource(r)));
        provider.database().list(u.name()).forEach(r -> dbs.putIfAbsent(r.id(), r));
        u.resources(Fronts.KIND).forEach(f -> {
            reporter.info("removing front " + f.id());
            provider.ingress().destroy(Fronts.resource(f));
        });
        for (Resource r : dbs.values()) {
            reporter.info(ExternalDatabases.isExternal(r) ? "releasing external database " + r.id() + " (the server and its data stay)"
                    : "removing database " + r.id());
            provider.database().destroy(r);
        }
    }

    /** The ingress goes with the universe it serves, or with a universe that never went live on it. */
    void releaseIngressIfOrphaned(UniverseState u, Provider provider) {
        if (u.ingress() == null) {
            return;
        }
        IngressState ing = store.ingress(u.ingress()).orElse(null);
        if (ing == null) {
            return;
        }
        boolean servesThis = u.name().equals(ing.live());
        boolean servesOther = ing.live() != null && !servesThis && store.universe(ing.live()).isPresent();
        boolean claimedByOther = store.universes().stream()
                .anyMatch(o -> !o.name().equals(u.name()) && u.ingress().equals(o.ingress()));
        if (servesThis || (!servesOther && !claimedByOther)) {
            reporter.info("removing ingress " + ing.name());
            IngressOwner.with(store, ing, provider, owner -> {
                owner.ingress().destroy(Resources.resource(ing.resource()));
                return null;
            });
            store.deleteIngress(ing.name());
        }
    }
}
