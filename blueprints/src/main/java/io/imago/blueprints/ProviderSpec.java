package io.imago.blueprints;

import java.util.Map;

/** {@code provider:} — which provider rents the universe, and its own settings (region, endpoint, ...). */
public record ProviderSpec(String type, Map<String, String> settings) {
    public static final ProviderSpec LOCAL = new ProviderSpec("local", Map.of());
}
