package io.imago.providers.spi;

import java.util.Map;

/**
 * Something a provider rented, as recorded in the state: its kind (instance, database, ingress),
 * a provider-unique id derived from universe + resource name, and non-secret attributes (pid, port,
 * host, data dir...). Never holds a password.
 */
public record Resource(String kind, String id, Map<String, String> attrs) {
    public String attr(String key) {
        return attrs.get(key);
    }
}
