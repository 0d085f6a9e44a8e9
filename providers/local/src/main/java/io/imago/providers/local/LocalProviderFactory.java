package io.imago.providers.local;

import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.ProviderFactory;

/** The embedded default: everything runs as processes on this machine. */
public final class LocalProviderFactory implements ProviderFactory {
    @Override
    public String type() {
        return "local";
    }

    @Override
    public Provider create(ProviderContext context) {
        return new LocalProvider(context);
    }
}
