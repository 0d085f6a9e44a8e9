package io.imago.providers.aws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The names of what the provider creates, derived from the universe (or ingress) name so that every create can find
 * what an earlier, interrupted run made. Imago's names (blueprints' {@code Names}: lowercase letters, digits and '-',
 * at most 40 characters) fit most AWS rules as they are; where a name would be too long or break a rule (a target
 * group's 32 characters, RDS's "no two hyphens in a row") it is shortened and given a hash of the full name, so two
 * universes never share one.
 */
final class AwsNames {
    private AwsNames() {}

    /** The target group of a universe's instances: at most 32 characters. */
    static String targetGroup(String universe) {
        return fit("imago-" + universe, 32);
    }

    /** The Application Load Balancer of an ingress: at most 32 characters. */
    static String loadBalancer(String ingress) {
        return fit("imago-" + ingress, 32);
    }

    /** The RDS instance of a universe: at most 63, a letter first, no "--", no '-' last. */
    static String dbInstance(String universe) {
        return rdsSafe("imago-" + universe + "-db", 63);
    }

    /** The DB parameter group of a universe (logical replication on): at most 255, same rules as an instance. */
    static String dbParameterGroup(String universe, String family) {
        return rdsSafe("imago-" + universe + "-" + family.replace('.', '-'), 255);
    }

    /** The DB subnet group of a universe, when the blueprint names subnets. */
    static String dbSubnetGroup(String universe) {
        return rdsSafe("imago-" + universe, 255);
    }

    /** The Secrets Manager secret holding a universe's database passwords. */
    static String databaseSecret(String universe) {
        return "imago/" + universe + "/database";
    }

    /** The Secrets Manager secret holding an instance's secret-valued environment. */
    static String envSecret(String universe, String instance) {
        return "imago/" + universe + "/env/" + instance;
    }

    /** An EC2 client token for one launch of an instance (at most 64 ASCII characters). */
    static String clientToken(String instance, int generation) {
        return "imago-" + hash(instance + "#" + generation, 24) + "-" + generation;
    }

    private static String rdsSafe(String name, int max) {
        String safe = name.replaceAll("-{2,}", "-");
        if (!safe.equals(name)) {
            safe = safe + "-" + hash(name, 6);
        }
        return fit(safe, max);
    }

    private static String fit(String name, int max) {
        if (name.length() <= max) {
            return name;
        }
        String hash = hash(name, 8);
        String head = name.substring(0, max - hash.length() - 1);
        while (head.endsWith("-")) {
            head = head.substring(0, head.length() - 1);
        }
        return head + "-" + hash;
    }

    static String hash(String s, int hexChars) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
