package io.imago.providers.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a provider is given: a folder of its own under the state dir (for its tags, secrets and, for
 * the local provider, the data itself), the blueprint's provider settings, and a sink for progress.
 * Besides the blueprint's settings, {@code settings} may hold {@link #PRICING}.
 */
public record ProviderContext(Path workDir, Map<String, String> settings, Consumer<String> log) {
    /**
     * The setting that says where a provider's {@link PriceList} takes its prices from: {@code catalog} (the default,
     * a bundled, dated catalog: no network) or {@code live} (the provider's price service, where it has one). Set by
     * the command line's {@code --pricing}, never by a blueprint.
     */
    public static final String PRICING = "imago.pricing";
}
