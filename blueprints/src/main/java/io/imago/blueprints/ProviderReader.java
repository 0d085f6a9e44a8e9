package io.imago.blueprints;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code provider:}. Besides {@code type}, its keys belong to the provider (region, endpoint, api, ...), which
 * reads them from the settings; they are checked by name only for the aws provider, whose fields blueprint-v1.md lists
 * ({@link KnownFields#AWS_PROVIDER}). Its {@code network} mapping is flattened into the settings as
 * {@code network.vpc}, {@code network.subnets} and {@code network.securityGroups}, lists joined by commas.
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
        boolean aws = "aws".equals(type);
        if (aws) {
            s.reportUnknown(KnownFields.AWS_PROVIDER);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (YamlNode.Entry e : s.entries()) {
            if (e.key().equals("type") || aws && !KnownFields.AWS_PROVIDER.contains(e.key())) {
                continue;
            }
            if (aws && e.key().equals("network")) {
                network(Field.of(e), settings);
                continue;
            }
            String value = Values.string(Field.of(e), d);
            if (value != null) {
                settings.put(e.key(), value);
            }
        }
        return new ProviderSpec(type, Collections.unmodifiableMap(settings));
    }

    /** {@code network: { vpc, subnets: [...], securityGroups: [...] }}, every part optional. */
    private void network(Field field, Map<String, String> settings) {
        Section s = Section.of(field, KnownFields.AWS_NETWORK, d);
        if (s == null) {
            return;
        }
        String vpc = s.string("vpc", null);
        if (vpc != null) {
            settings.put("network.vpc", vpc);
        }
        list(s, "subnets", settings);
        list(s, "securityGroups", settings);
    }

    private void list(Section s, String name, Map<String, String> settings) {
        List<String> ids = s.strings(name, null);
        if (ids == null) {
            return;
        }
        if (ids.isEmpty()) {
            s.field(name).ifPresent(f -> d.error(f.pos(), "'" + name + "' must not be empty", "leave it out to use the default VPC's"));
            return;
        }
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).isBlank() || ids.get(i).contains(",")) {
                int index = i;
                s.field(name).ifPresent(f -> d.error(((YamlNode.Sequence) f.value()).items().get(index).pos(),
                        "invalid id '" + ids.get(index) + "' in '" + name + "'"));
                return;
            }
        }
        settings.put("network." + name, String.join(",", ids));
    }
}
