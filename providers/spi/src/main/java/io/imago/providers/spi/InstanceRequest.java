package io.imago.providers.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One instance to rent.
 *
 * @param command what a local instance runs; null for image-based providers
 * @param workDir the blueprint's folder (local provider's working directory)
 * @param env already resolved; the provider adds PORT, IMAGO_UNIVERSE and IMAGO_INSTANCE
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
        Map<String, String> env) {

    public String name() {
        return universe + "-" + group + "-" + index;
    }
}
