package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.ProviderException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot script: what it exports, what it leaves to Secrets Manager, and that bash reads it back exactly. */
class UserDataTest {
    @TempDir
    Path dir;

    private static InstanceRequest request(Map<String, String> env, Set<String> secret, List<String> run) {
        return new InstanceRequest("shop-v2", "web", 3, "small", null, "ami-1", run, null, 8080, env, "/health", secret);
    }

    @Test
    void quotingSurvivesAnyValue() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUOTES", "it's \"quoted\" $HOME `id` \\ ${x}");
        env.put("MULTI", "line one\nIMAGO_ENV\nline three");
        String script = UserData.script(request(env, Set.of(), List.of("printenv")), 8080, null, "us-east-1");
        // Run the part that writes env.sh, in a folder of the test's, and source it: bash must read back the values exactly.
        String local = script.replace("/etc/imago", dir.toString()).replace("exec 'printenv'",
                "printf '%s\\0' \"$QUOTES\" \"$MULTI\" \"$PORT\" \"$IMAGO_INSTANCE\"");
        Process p = new ProcessBuilder("bash", "-c", local).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(List.of(env.get("QUOTES"), env.get("MULTI"), "8080", "shop-v2-web-3"), List.of(out.split("\0")));
        assertTrue(Files.exists(dir.resolve("env.sh")));
    }

    @Test
    void secretValuedVariablesGoToTheSecretOnly() {
        InstanceRequest req = request(Map.of("DB_URL", "postgresql://app:hunter2@db/app", "MODE", "live"), Set.of("DB_URL"), List.of("run"));
        String script = UserData.script(req, 8080, "imago/shop-v2/env/shop-v2-web-3", "eu-west-1");
        assertFalse(script.contains("hunter2"), script);
        assertTrue(script.contains("export MODE='live'\n"), script);
        assertTrue(script.contains("eval \"$(aws secretsmanager get-secret-value --region 'eu-west-1' --secret-id 'imago/shop-v2/env/shop-v2-web-3'"
                + " --query SecretString --output text)\"\n"), script);
        assertFalse(script.contains("set -x"), "no trace of the commands reaches the console log");
        assertEquals("export DB_URL='postgresql://app:hunter2@db/app'\n", UserData.secretFile(req));
    }

    @Test
    void imagosOwnVariablesComeFirstAndWin() {
        Map<String, String> env = UserData.plainEnv(request(Map.of("PORT", "1", "A", "b"), Set.of(), null), 8080);
        assertEquals(List.of("PORT", "IMAGO_UNIVERSE", "IMAGO_INSTANCE", "A"), List.copyOf(env.keySet()));
        assertEquals("8080", env.get("PORT"));
    }

    @Test
    void withoutRunTheScriptOnlyWritesTheEnvironmentFile() {
        String script = UserData.script(request(Map.of(), Set.of(), null), 8080, null, "us-east-1");
        assertFalse(script.contains("exec"), script);
        assertTrue(script.contains("cat > /etc/imago/env.sh"), script);
    }

    @Test
    void userDataOverEc2sLimitIsRefused() {
        ProviderException e = assertThrows(ProviderException.class,
                () -> UserData.script(request(Map.of("BIG", "x".repeat(17_000)), Set.of(), null), 8080, null, "us-east-1"));
        assertTrue(e.getMessage().contains("larger than EC2's 16 KB"), e.getMessage());
    }
}
