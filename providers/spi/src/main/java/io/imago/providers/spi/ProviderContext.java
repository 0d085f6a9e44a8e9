package io.imago.providers.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a provider is given: a folder of its own under the state dir (for its tags, secrets and, for
 * the local provider, the data itself), the blueprint's provider settings, and a sink for progress.
 */
public record ProviderContext(Path workDir, Map<String, String> settings, Consumer<String> log) {}
