package io.imago.providers.aws;

import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.ProviderFactory;

/** {@code provider: { type: aws }}: found through {@link java.util.ServiceLoader}. */
public final class AwsProviderFactory implements ProviderFactory {
    @Override
    public String type() {
        return "aws";
    }

    @Override
    public Provider create(ProviderContext context) {
        return new AwsProvider(context);
    }
}
