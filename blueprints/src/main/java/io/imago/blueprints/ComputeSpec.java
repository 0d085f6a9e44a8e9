package io.imago.blueprints;

import java.util.List;
import java.util.Map;

/**
 * One {@code compute:} group: {@code count} identical instances.
 *
 * @param size xs | small | medium | large, or null when {@code instanceType} is given
 * @param run the command an instance runs (local provider); null elsewhere
 * @param port the port the instance serves on (the local provider assigns one per instance)
 * @param env values may hold unresolved {@code ${...}} references
 */
public record ComputeSpec(
        String name,
        int count,
        String size,
        String instanceType,
        List<String> run,
        String image,
        Integer port,
        Map<String, String> env,
        HealthSpec health,
        SourcePos pos) {}
