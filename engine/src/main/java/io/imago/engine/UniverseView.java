package io.imago.engine;

import java.util.List;
import java.util.Map;

/**
 * A universe as {@code imago status} shows it. Holds no secret: the database URL carries the user
 * but never the password.
 */
public record UniverseView(String name, String phase, String provider, String replaces, Ingress ingress, Database database,
        List<ResourceView> resources, Map<String, String> facts, List<StepView> journal, List<SlotView> slots, List<String> warnings,
        List<StepTiming> timings) {

    public record Ingress(String name, String url, boolean live) {}

    public record Database(String url, boolean running) {}

    /** @param health "healthy", "unhealthy", "running", "stopped" */
    public record ResourceView(String kind, String id, String endpoint, String pid, String health) {}

    public record StepView(String step, String status, String at, String detail) {}

    /**
     * A step of the last apply: what plan forecast for it when the apply started, and what it took (from its journal:
     * its last start to its end). Either is null when unknown (no forecast kept, or the step did not finish).
     */
    public record StepTiming(String step, Double forecastSeconds, Double actualSeconds) {}

    /** One of imago's replication slots on this universe's database, and the WAL it keeps there. */
    public record SlotView(String name, boolean active, long walHeldBytes, String walStatus) {}
}
