package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imago.blueprints.ComputeSpec;
import io.imago.blueprints.HealthSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which variables a provider must not hand to an instance in the clear (cloud user data). */
class ProvisionSecretEnvTest {
    @Test
    void namesTheVariablesWhoseValueIsOrCarriesASecret() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("API_KEY", "${secret:STRIPE_KEY}");
        env.put("DB_URL", "${database.url}");
        env.put("JDBC", "jdbc:postgresql://${database.host}:${database.port}/${database.name}?password=${database.password}");
        env.put("DB_HOST", "${database.host}");
        env.put("HOME_DIR", "${env:HOME}");
        env.put("LITERAL", "$${secret:not-a-reference}");
        env.put("PLAIN", "2");
        ComputeSpec group = new ComputeSpec("web", 1, "small", null, null, "ami-1", 8080, env, HealthSpec.DEFAULT, null);
        assertEquals(Set.of("API_KEY", "DB_URL", "JDBC"), ProvisionStep.secretEnv(group));
    }
}
