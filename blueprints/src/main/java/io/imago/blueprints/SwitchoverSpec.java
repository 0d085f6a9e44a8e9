package io.imago.blueprints;

import java.time.Duration;

/** {@code switchover:} — bounds on the only moment writes pause. */
public record SwitchoverSpec(Duration maxWritePause, Duration drainTimeout) {
    public static final SwitchoverSpec DEFAULT = new SwitchoverSpec(Duration.ofSeconds(2), Duration.ofSeconds(10));
}
