package io.imago.providers.aws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tags Imago puts on what it creates (blueprint-v1.md: every resource carries {@code imago:universe=<universe>};
 * destroy and crash recovery find resources by it), in each service's own tag type. The load balancer of an ingress
 * outlives universes, so it carries {@code imago:ingress} instead.
 */
final class Tagging {
    static final String UNIVERSE = "imago:universe";
    static final String INGRESS = "imago:ingress";
    static final String INSTANCE = "imago:instance";
    static final String GROUP = "imago:group";
    static final String PORT = "imago:port";
    static final String NAME = "Name";

    private Tagging() {}

    static Map<String, String> universe(String universe, String... more) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(UNIVERSE, universe);
        for (int i = 0; i + 1 < more.length; i += 2) {
            tags.put(more[i], more[i + 1]);
        }
        return tags;
    }

    static List<software.amazon.awssdk.services.ec2.model.Tag> ec2(Map<String, String> tags) {
        return tags.entrySet().stream()
                .map(e -> software.amazon.awssdk.services.ec2.model.Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    static List<software.amazon.awssdk.services.elasticloadbalancingv2.model.Tag> elb(Map<String, String> tags) {
        return tags.entrySet().stream()
                .map(e -> software.amazon.awssdk.services.elasticloadbalancingv2.model.Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
    }

    static List<software.amazon.awssdk.services.rds.model.Tag> rds(Map<String, String> tags) {
        return tags.entrySet().stream()
                .map(e -> software.amazon.awssdk.services.rds.model.Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    static List<software.amazon.awssdk.services.secretsmanager.model.Tag> secrets(Map<String, String> tags) {
        return tags.entrySet().stream()
                .map(e -> software.amazon.awssdk.services.secretsmanager.model.Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
    }

    static String ec2Tag(List<software.amazon.awssdk.services.ec2.model.Tag> tags, String key) {
        return tags.stream().filter(t -> key.equals(t.key())).map(software.amazon.awssdk.services.ec2.model.Tag::value).findFirst()
                .orElse(null);
    }
}
