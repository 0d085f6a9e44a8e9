package io.imago.state;

import java.util.Map;

/** Something a universe rented, as the provider described it (never a secret). */
public record ResourceRecord(String kind, String id, Map<String, String> attrs) {
    public ResourceRecord {
        attrs = Map.copyOf(attrs);
    }

    public ResourceRecord withAttr(String key, String value) {
        java.util.Map<String, String> m = new java.util.HashMap<>(attrs);
        m.put(key, value);
        return new ResourceRecord(kind, id, m);
    }
}
