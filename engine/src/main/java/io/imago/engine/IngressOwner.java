package io.imago.engine;

import io.imago.providers.spi.Provider;
import io.imago.state.IngressState;
import io.imago.state.StateStore;
import java.util.Map;
import java.util.function.Function;

/**
 * The provider an ingress belongs to. Usually the universe's own; after a move between providers (see {@link Fronts})
 * the ingress users reach stays with the provider that made it, so it is asked and switched through that one.
 */
final class IngressOwner {
    private IngressOwner() {
    }

    /** Runs {@code work} with the ingress's own provider: {@code universeProvider} when it is that one, else opened for it. */
    static <T> T with(StateStore store, IngressState ing, Provider universeProvider, Function<Provider, T> work) {
        if (ing.provider() == null || ing.provider().equals(universeProvider.type())) {
            return work.apply(universeProvider);
        }
        try (Provider owner = ProviderRegistry.open(ing.provider(), Map.of(), store, m -> { })) {
            return work.apply(owner);
        }
    }
}
