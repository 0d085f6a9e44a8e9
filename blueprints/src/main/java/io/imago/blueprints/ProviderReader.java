package io.imago.blueprints;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code provider:}. Besides {@code type}, its keys belong to the provider (region,
 * endpoint, api, ...), which reads them from the settings; so they are not checked by name here.
 */
final class ProviderReader {
    private final Diagnostics d;

    ProviderReader(Diagnostics d) {
        this.d = d;
    }

    /** The provider's type is null when it is invalid (reported), so nothing depends on a guess. */
    ProviderSpec read(Field field) {
        Section s = Section.open(field, d);
        if (s == null) {
            return null;
        }
        String type = s.choice("type", "local", KnownFields.PROVIDER_TYPES);
        Map<String, String> settings = new LinkedHashMap<>();
        for (YamlNode.Entry e : s.entries()) {
            if (!e.key().equals("type")) {
                String value = Values.string(Field.of(e), d);
                if (value != null) {
                    settings.put(e.key(), value);
                }
            }
        }
        return new ProviderSpec(type, Collections.unmodifiableMap(settings));
    }
}
