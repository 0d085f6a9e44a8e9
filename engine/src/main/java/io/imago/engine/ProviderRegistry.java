package io.imago.engine;

import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.ProviderFactory;
import io.imago.state.StateStore;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Consumer;

/** Finds providers through {@link ServiceLoader}, so a provider is a jar on the class path. */
public final class ProviderRegistry {
    private ProviderRegistry() {}

    public static Provider open(String type, Map<String, String> settings, StateStore store, Consumer<String> log) {
        TreeSet<String> known = new TreeSet<>();
        for (ProviderFactory f : ServiceLoader.load(ProviderFactory.class)) {
            if (f.type().equals(type)) {
                return f.create(new ProviderContext(store.providerDir(type), settings, log));
            }
            known.add(f.type());
        }
        throw EngineException.failed("provider '" + type + "' is not available in this build (available: " + String.join(", ", known) + ")");
    }
}
