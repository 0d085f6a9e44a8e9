package io.imago.providers.aws;

import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.ProviderException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The user data an instance boots with: a shell script that writes {@code /etc/imago/env.sh} (the instance's
 * environment: {@code PORT}, {@code IMAGO_UNIVERSE}, {@code IMAGO_INSTANCE} and the blueprint's {@code env}) and then
 * execs the blueprint's {@code run} with it.
 *
 * <p>User data is not secret: anyone allowed to describe the instance reads it, and the instance serves it to every
 * process on it through the metadata service. So a variable whose value is or carries a secret
 * ({@link InstanceRequest#secretEnv()}) is not written here: its value is kept in a Secrets Manager secret of the
 * instance ({@link #secretFile}), and the script reads it at boot with {@code aws secretsmanager get-secret-value},
 * using the instance's own role. The image needs the AWS CLI, and an instance profile allowed to read
 * {@code imago/<universe>/env/*}; without a secret-valued variable it needs neither. The script never traces its
 * commands ({@code set -x}), so no value reaches the console log.
 */
final class UserData {
    /** EC2's limit on user data, before base64. */
    static final int MAX_BYTES = 16 * 1024;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private UserData() {}

    /** The variables an instance gets, imago's own first; the secret-valued ones are left out. */
    static Map<String, String> plainEnv(InstanceRequest req, int port) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PORT", Integer.toString(port));
        env.put("IMAGO_UNIVERSE", req.universe());
        env.put("IMAGO_INSTANCE", req.name());
        req.env().forEach((k, v) -> {
            if (!req.secretEnv().contains(k) && !env.containsKey(k)) {
                env.put(k, v);
            }
        });
        return env;
    }

    /** The secret-valued variables as {@code export NAME='value'} lines: what the instance's env secret holds. */
    static String secretFile(InstanceRequest req) {
        StringBuilder out = new StringBuilder();
        req.env().forEach((k, v) -> {
            if (req.secretEnv().contains(k)) {
                out.append("export ").append(name(k)).append('=').append(quote(v)).append('\n');
            }
        });
        return out.toString();
    }

    /**
     * The script.
     *
     * @param secretId the instance's env secret, or null when it has no secret-valued variable
     * @param region where that secret lives
     */
    static String script(InstanceRequest req, int port, String secretId, String region) {
        StringBuilder env = new StringBuilder();
        plainEnv(req, port).forEach((k, v) -> env.append("export ").append(name(k)).append('=').append(quote(v)).append('\n'));
        if (secretId != null) {
            env.append("# secret-valued variables (").append(String.join(", ", req.secretEnv().stream().sorted().toList()))
                    .append("): read from Secrets Manager at start, never written here\n")
                    .append("eval \"$(aws secretsmanager get-secret-value --region ").append(quote(region))
                    .append(" --secret-id ").append(quote(secretId)).append(" --query SecretString --output text)\"\n");
        }
        // A quoted value may span lines; a delimiter derived from the text cannot be one of them.
        String end = "IMAGO_ENV_" + AwsNames.hash(env.toString(), 12);
        StringBuilder s = new StringBuilder()
                .append("#!/bin/bash\n")
                .append("# written by imago: instance ").append(req.name()).append(" of universe ").append(req.universe()).append('\n')
                .append("set -euo pipefail\n")
                .append("umask 077\n")
                .append("mkdir -p /etc/imago\n")
                .append("cat > /etc/imago/env.sh <<'").append(end).append("'\n")
                .append(env)
                .append(end).append('\n');
        List<String> run = req.command();
        if (run != null && !run.isEmpty()) {
            s.append(". /etc/imago/env.sh\n");
            s.append("exec");
            run.forEach(a -> s.append(' ').append(quote(a)));
            s.append('\n');
        }
        String script = s.toString();
        if (script.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new ProviderException("the user data of " + req.name() + " would be larger than EC2's 16 KB: shorten its env or run");
        }
        return script;
    }

    static String base64(String script) {
        return Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
    }

    private static String name(String k) {
        if (!ENV_NAME.matcher(k).matches()) {
            throw new ProviderException("invalid environment variable name '" + k + "'");
        }
        return k;
    }

    /** A single-quoted shell word: nothing inside is expanded. */
    static String quote(String v) {
        return "'" + v.replace("'", "'\\''") + "'";
    }
}
