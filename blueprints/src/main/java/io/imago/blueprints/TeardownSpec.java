package io.imago.blueprints;

import java.time.Duration;

/**
 * {@code teardown:} — how long the replaced universe is kept for rollback.
 *
 * @param keepOld the rollback window; {@link Duration#ZERO} tears down at once; null means {@code never}
 */
public record TeardownSpec(Duration keepOld) {
    public static final TeardownSpec DEFAULT = new TeardownSpec(Duration.ofMinutes(15));

    public boolean keepForever() {
        return keepOld == null;
    }
}
