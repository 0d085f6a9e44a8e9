package io.imago.migration;

import java.time.Duration;
import java.util.List;

/**
 * A write fence in place.
 *
 * @param fenceLsn every write the application committed lies before this position: once log shipping
 *     has applied up to it, the target holds everything
 * @param took from the fence's start until no writer of the role could commit any more
 * @param terminatedSessions in-flight writers that did not finish within the allowed wait
 * @param warnings ways the role could still write (e.g. through PUBLIC), for the operator; empty normally
 */
public record FenceResult(Lsn fenceLsn, Duration took, int terminatedSessions, List<String> warnings) {
    public FenceResult {
        warnings = List.copyOf(warnings);
    }
}
