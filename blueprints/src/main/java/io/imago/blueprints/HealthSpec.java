package io.imago.blueprints;

import java.time.Duration;

/** {@code health:} — the HTTP path that answers 2xx once an instance is ready, and how long to wait. */
public record HealthSpec(String path, Duration timeout) {
    public static final HealthSpec DEFAULT = new HealthSpec("/health", Duration.ofSeconds(60));
}
