package io.imago.providers.spi;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment of every process Imago starts: a short allowlist of Imago's own environment,
 * plus what that process is given on purpose. Imago's environment holds {@code IMAGO_SECRET_*}
 * values and whatever the user's shell exported (cloud credentials, tokens); a child that inherited
 * it all would hand every secret to an application, a proxy or a database server that needs none
 * of them, and to anything those run in turn.
 *
 * <p>Kept from Imago's environment: {@code PATH}, {@code HOME}, {@code USER}, {@code LOGNAME},
 * {@code LANG}, {@code LC_*}, {@code TZ}, {@code TMPDIR} and {@code JAVA_HOME} (what programs need
 * to find their tools, their home, their locale and time zone and their temporary folder). Nothing
 * else is: not {@code JAVA_TOOL_OPTIONS}, {@code LD_PRELOAD}, {@code PG*} nor any {@code IMAGO_*}.
 * A value a child needs goes through the blueprint's {@code env:} (which may say {@code ${env:NAME}}).
 */
public final class ChildEnvironment {
    /** Variables kept from Imago's environment when set there, besides every {@code LC_*}. */
    public static final List<String> KEPT = List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "JAVA_HOME");

    private ChildEnvironment() {}

    /** Whether {@code name} is passed from Imago's environment to its children. */
    public static boolean kept(String name) {
        return KEPT.contains(name) || name.startsWith("LC_");
    }

    /** The allowlisted part of {@code parent}. */
    public static Map<String, String> allowed(Map<String, String> parent) {
        Map<String, String> out = new TreeMap<>();
        parent.forEach((k, v) -> {
            if (kept(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * Replaces the builder's environment (a copy of Imago's whole environment until now) by the
     * allowlisted part of Imago's plus {@code own}, which wins over it.
     */
    public static ProcessBuilder apply(ProcessBuilder pb, Map<String, String> own) {
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(allowed(System.getenv()));
        env.putAll(own);
        return pb;
    }

    /** {@link #apply(ProcessBuilder, Map)} with nothing of the child's own. */
    public static ProcessBuilder clean(ProcessBuilder pb) {
        return apply(pb, Map.of());
    }
}
