package io.imago.engine;

import io.imago.state.UniverseState;
import java.util.List;

/**
 * What an apply did, for the CLI to render.
 *
 * @param upToDate true when the universe was already live and nothing was done
 * @param writePauseMs the measured write pause of the switch, or null when nothing was paused
 * @param checks what each validation check of this run found (empty when VALIDATE did not run)
 */
public record ApplyResult(String universe, String phase, boolean upToDate, List<StepReport> steps, Long writePauseMs, String ingressUrl,
        List<CheckResult> checks) {
    public record StepReport(String name, String status, double seconds, String detail) {}

    static ApplyResult upToDate(UniverseState u) {
        return new ApplyResult(u.name(), u.phase().name(), true, List.of(), null, null, List.of());
    }
}
