package io.imago.providers.spi;

import java.util.Map;

/**
 * An ingress to create: {@code type} is loadBalancer or dns.
 *
 * @param settings the blueprint's provider-specific ingress fields ({@code hostedZone}, {@code record}, {@code ttl},
 *     {@code loadBalancerName}, {@code listenerPort}); never null
 */
public record IngressRequest(String name, String type, Integer port, Map<String, String> settings) {
    public IngressRequest {
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    public IngressRequest(String name, String type, Integer port) {
        this(name, type, port, Map.of());
    }
}
