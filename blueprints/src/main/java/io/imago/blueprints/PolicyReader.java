package io.imago.blueprints;

import java.math.BigDecimal;
import java.time.Duration;

/** Reads the small sections that bound an apply: {@code switchover}, {@code teardown}, {@code budget}. */
final class PolicyReader {
    private final Diagnostics d;

    PolicyReader(Diagnostics d) {
        this.d = d;
    }

    SwitchoverSpec switchover(Field field) {
        Section s = Section.of(field, KnownFields.SWITCHOVER, d);
        if (s == null) {
            return null;
        }
        Duration maxWritePause = s.duration("maxWritePause", SwitchoverSpec.DEFAULT.maxWritePause());
        if (maxWritePause != null && maxWritePause.isZero()) {
            // Writes always pause for a moment at the switch; zero would abort every upgrade.
            s.field("maxWritePause").ifPresent(f -> d.error(f.pos(), "'maxWritePause' must be longer than 0"));
        }
        Duration drainTimeout = s.duration("drainTimeout", SwitchoverSpec.DEFAULT.drainTimeout());
        return new SwitchoverSpec(maxWritePause, drainTimeout);
    }

    /** {@code keepOld: never} keeps the old universe until destroyed by hand; null in the model. */
    TeardownSpec teardown(Field field) {
        Section s = Section.of(field, KnownFields.TEARDOWN, d);
        if (s == null) {
            return null;
        }
        var keepOld = s.field("keepOld");
        if (keepOld.isEmpty()) {
            return TeardownSpec.DEFAULT;
        }
        if (keepOld.get().value() instanceof YamlNode.Scalar v && v.text().equals("never")) {
            return new TeardownSpec(null);
        }
        Duration duration = Values.duration(keepOld.get(), Durations.HINT + ", 0 or never", d);
        return duration == null ? null : new TeardownSpec(duration);
    }

    BudgetSpec budget(Field field) {
        Section s = Section.of(field, KnownFields.BUDGET, d);
        if (s == null) {
            return null;
        }
        BigDecimal maxUsd = s.require("maxUsd").map(f -> Values.decimal(f, d)).orElse(null);
        if (maxUsd != null && maxUsd.signum() < 0) {
            s.field("maxUsd").ifPresent(f -> d.error(f.pos(), "'maxUsd' must not be negative"));
            return null;
        }
        return maxUsd == null ? null : new BudgetSpec(maxUsd);
    }
}
