package io.imago.engine;

import io.imago.migration.Lsn;
import io.imago.state.UniverseState;
import java.time.Instant;
import java.util.function.Function;

/**
 * A typed key of a universe's facts: what one step tells later steps, later runs and {@code status}.
 * The state keeps facts as strings under these names (so status and older state files read the same);
 * the engine reads and writes them only through these keys, so that "flipped at" and "fencing the old
 * universe" are checked by the compiler, not by string literals scattered over the steps.
 */
record Fact<T>(String key, Function<String, T> parse, Function<T, String> format) {
    // The migration's way in: the slot and publication on the old database, and where the copy left off.
    static final Fact<String> SLOT = text("slot");
    static final Fact<String> PUBLICATION = text("publication");
    static final Fact<Lsn> SNAPSHOT_LSN = new Fact<>("snapshotLsn", Lsn::parse, Lsn::toString);
    static final Fact<Long> ROWS_COPIED = number("rowsCopied");
    static final Fact<String> LAG = text("lag");
    static final Fact<Long> VALIDATION_HOLD_MS = number("validationHoldMs");

    // The switch. FENCING_OLD is set before the pause and cleared at the flip: while it is set, the old
    // universe's lasting fence may be in place although the ingress still points at it, and must be lifted.
    static final Fact<Instant> FENCING_OLD = instant("fencingOld");
    /** The commit point: set the instant the ingress flipped. */
    static final Fact<Instant> FLIPPED_AT = instant("flippedAt");
    static final Fact<Long> WRITE_PAUSE_MS = number("writePauseMs");
    static final Fact<String> FENCE_LSN = text("fenceLsn");

    /** What plan forecast for each step when this apply started: {@link StepTimes}, seconds by step. */
    static final Fact<StepTimes> FORECAST = new Fact<>("forecast", StepTimes::parse, StepTimes::format);

    // Afterwards, on either universe.
    static final Fact<String> LAST_ERROR = text("lastError");
    static final Fact<String> REJECTED_BECAUSE = text("rejectedBecause");
    static final Fact<String> REPLACED_BY = text("replacedBy");
    static final Fact<Instant> RETIRE_AFTER = instant("retireAfter");

    // Rollback.
    static final Fact<String> ROLLED_BACK_TO = text("rolledBackTo");
    static final Fact<String> ROLLED_BACK_FROM = text("rolledBackFrom");
    static final Fact<Long> ROLLBACK_WRITE_PAUSE_MS = number("rollbackWritePauseMs");
    // The rollback window, kept on the universe that went live (see RollbackWindow).
    static final Fact<String> ROLLBACK_SLOT = text("rollbackSlot");
    /** Where the users' own writes on the new universe begin. */
    static final Fact<Lsn> ROLLBACK_FROM = new Fact<>("rollbackFrom", Lsn::parse, Lsn::toString);
    static final Fact<String> ROLLBACK_TRANSFORMS = text("rollbackTransforms");
    static final Fact<String> ROLLBACK_LOSES = text("rollbackLoses");
    static final Fact<Long> ROLLBACK_MAX_PAUSE_MS = number("rollbackMaxWritePauseMs");
    static final Fact<Long> ROLLBACK_DRAIN_MS = number("rollbackDrainTimeoutMs");
    /** Set with the flip back, cleared when the rollback's clean-up (the last writes shipped back, the slot dropped) is done. */
    static final Fact<Instant> ROLLBACK_CLEANUP_PENDING = instant("rollbackCleanupPending");

    T get(UniverseState u) {
        String v = u.fact(key);
        return v == null ? null : parse.apply(v);
    }

    boolean isSet(UniverseState u) {
        return u.fact(key) != null;
    }

    UniverseState set(UniverseState u, T value) {
        return u.withFact(key, value == null ? null : format.apply(value));
    }

    UniverseState clear(UniverseState u) {
        return u.withFact(key, null);
    }

    private static Fact<String> text(String key) {
        return new Fact<>(key, Function.identity(), Function.identity());
    }

    private static Fact<Long> number(String key) {
        return new Fact<>(key, Long::parseLong, String::valueOf);
    }

    private static Fact<Instant> instant(String key) {
        return new Fact<>(key, Instant::parse, Instant::toString);
    }
}
