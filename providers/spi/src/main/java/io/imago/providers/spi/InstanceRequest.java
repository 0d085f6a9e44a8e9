package io.imago.providers.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One instance to rent.
 *
 * @param command what a local instance runs; null for image-based providers
 * @param workDir the blueprint's folder (local provider's working directory)
 * @param env already resolved; the provider adds PORT, IMAGO_UNIVERSE and IMAGO_INSTANCE
 * @param healthPath the path the instance answers with a 2xx once it serves (the blueprint's {@code health.path}), for
 *     providers whose load balancer checks health itself; null when not known
 * @param secretEnv the names in {@code env} whose values are or carry a secret ({@code ${secret:NAME}},
 *     {@code ${database.password}}, {@code ${database.url}}): a provider that hands the environment to an instance through
 *     a channel others can read (a cloud's user data) passes these through its secret store instead; never null
 */
public record InstanceRequest(
        String universe,
        String group,
        int index,
        String size,
        String instanceType,
        String image,
        List<String> command,
        Path workDir,
        Integer port,
        Map<String, String> env,
        String healthPath,
        Set<String> secretEnv) {

    public InstanceRequest {
        secretEnv = secretEnv == null ? Set.of() : Set.copyOf(secretEnv);
    }

    /** A request that names no health path and no secret-valued variable. */
    public InstanceRequest(String universe, String group, int index, String size, String instanceType, String image,
            List<String> command, Path workDir, Integer port, Map<String, String> env) {
        this(universe, group, index, size, instanceType, image, command, workDir, port, env, null, Set.of());
    }

    public String name() {
        return universe + "-" + group + "-" + index;
    }
}
