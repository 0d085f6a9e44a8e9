package io.imago.blueprints;

import java.util.Map;

/**
 * {@code ingress:} — the stable entry point switched from old to new universe.
 *
 * @param type {@code loadBalancer} or {@code dns}
 * @param port the port users reach; null where the provider decides
 * @param settings provider-specific fields (loadBalancerName, listenerPort, hostedZone, record, ttl)
 */
public record IngressSpec(String name, String type, Integer port, Map<String, String> settings, SourcePos pos) {}
