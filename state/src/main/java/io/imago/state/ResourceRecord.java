package io.imago.state;

import java.util.Map;

/** Something a universe rented, as the provider described it (never a secret). */
public record ResourceRecord(String kind, String id, Map<String, String> attrs) {
    public ResourceRecord {
        attrs = Map.copyOf(attrs);
    }
}
