package io.imago.state;

import java.time.Instant;

/**
 * A stable entry point, which outlives the universes it points at.
 *
 * @param live the universe it points at now, or null before the first switch
 * @param previous the universe it pointed at before the last switch (the rollback target), or null
 */
public record IngressState(String name, String provider, ResourceRecord resource, String live, String previous, Instant switched) {
    public IngressState pointedAt(String universe) {
        return new IngressState(name, provider, resource, universe, live, Instant.now());
    }
}
