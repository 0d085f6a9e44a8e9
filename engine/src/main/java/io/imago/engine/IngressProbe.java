package io.imago.engine;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.Provider;
import io.imago.state.IngressState;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the ingress really points, asked of the provider. The state can lag behind a flip (a kill
 * between the provider call and the state write), so every decision to release a universe asks the
 * ingress itself, and an ingress that does not answer counts as pointing there: when in doubt, keep.
 */
final class IngressProbe {
    private IngressProbe() {
    }

    /**
     * Whether users may reach the universe through its ingress: true when the ingress's target includes any of its
     * instances, or the state says it is live there; empty when the ingress could not be asked.
     */
    static Optional<Boolean> serves(StateStore store, Provider provider, UniverseState u) {
        if (u.ingress() == null) {
            return Optional.of(false);
        }
        IngressState ing = store.ingress(u.ingress()).orElse(null);
        if (ing == null) {
            return Optional.of(false);
        }
        if (u.name().equals(ing.live())) {
            return Optional.of(true);
        }
        Set<Endpoint> mine = new HashSet<>();
        try {
            u.resources("instance").forEach(r -> mine.add(provider.compute().endpoint(Resources.resource(r))));
            mine.addAll(Fronts.of(provider, u)); // a universe reached through its front after a move between providers
            if (mine.isEmpty()) {
                return Optional.of(false);
            }
            List<Endpoint> target = IngressOwner.with(store, ing, provider, owner -> owner.ingress().target(Resources.resource(ing.resource())));
            return Optional.of(target.stream().anyMatch(mine::contains));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
