package io.imago.engine;

import io.imago.providers.spi.Provider;
import io.imago.providers.spi.Resource;
import io.imago.state.IngressState;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.LinkedHashMap;
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

    /** Destroys the universe and deletes its state. */
    void destroy(UniverseState u, Provider provider) {
        SlotCleanup.dropIfAny(store, u, reporter);
        if (u.phase() == Phase.RETIRING && u.fact("replacedBy") != null) {
            // The rollback window closes with the universe it would go back to.
            store.universe(u.fact("replacedBy")).ifPresent(live -> RollbackWindow.close(store, live, reporter));
        }
        releaseRented(u, provider);
        releaseIngressIfOrphaned(u, provider);
        store.deleteUniverse(u.name());
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
        for (Resource r : dbs.values()) {
            reporter.info("removing database " + r.id());
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
            provider.ingress().destroy(Resources.resource(ing.resource()));
            store.deleteIngress(ing.name());
        }
    }
}
