package io.imago.blueprints;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads {@code ingress:}; provider-specific fields are kept as strings for the provider to read. */
final class IngressReader {
    private final Diagnostics d;

    IngressReader(Diagnostics d) {
        this.d = d;
    }

    IngressSpec read(Field field) {
        Section s = Section.of(field, KnownFields.INGRESS, d);
        if (s == null) {
            return null;
        }
        String name = s.require("name").map(f -> Names.read(f, "ingress", d)).orElse(null);
        String type = s.choice("type", "loadBalancer", KnownFields.INGRESS_TYPES);
        Integer port = s.integer("port", null, 1, 65535);
        Map<String, String> settings = new LinkedHashMap<>();
        put(settings, "loadBalancerName", s.string("loadBalancerName", null));
        // Numbers are checked as numbers here, so a provider never meets "ttl: soon".
        put(settings, "listenerPort", text(s.integer("listenerPort", null, 1, 65535)));
        put(settings, "hostedZone", s.string("hostedZone", null));
        put(settings, "record", s.string("record", null));
        put(settings, "ttl", text(s.integer("ttl", null, 0, Integer.MAX_VALUE)));
        if ("dns".equals(type)) {
            for (String required : java.util.List.of("hostedZone", "record")) {
                if (!s.has(required)) {
                    d.error(s.pos(), "missing required field '" + required + "'",
                            "a dns ingress is a record (record: shop.example.org) in a hosted zone (hostedZone: example.org, or its id)");
                }
            }
        }
        return new IngressSpec(name, type, port, Collections.unmodifiableMap(settings), field.keyPos());
    }

    private static void put(Map<String, String> settings, String key, String value) {
        if (value != null) {
            settings.put(key, value);
        }
    }

    private static String text(Integer value) {
        return value == null ? null : value.toString();
    }
}
