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
        return open(type, settings, store, log, log);
    }

    /**
     * The provider of that type, with {@code database.external} beside its own database service (see
     * {@link WithExternalDatabases}): what every engine path uses.
     */
    static Provider open(String type, Map<String, String> settings, StateStore store, Reporter reporter) {
        return open(type, settings, store, reporter::info, reporter::warn);
    }

    private static Provider open(String type, Map<String, String> settings, StateStore store, Consumer<String> log, Consumer<String> warn) {
        TreeSet<String> known = new TreeSet<>();
        for (ProviderFactory f : ServiceLoader.load(ProviderFactory.class)) {
            if (f.type().equals(type)) {
                Provider p = f.create(new ProviderContext(store.providerDir(type), settings, log));
                return new WithExternalDatabases(p, new ExternalDatabases(store, type, p::secret, log, warn));
            }
            known.add(f.type());
        }
        throw EngineException.failed("provider '" + type + "' is not available in this build (available: " + String.join(", ", known) + ")");
    }
}
