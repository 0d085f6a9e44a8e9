package io.imago.engine;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.imago.migration.PgErrors;
import io.imago.migration.SnapshotCopier;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.time.Duration;

/**
 * A migration's slot and publication live on the replaced universe's database, where a slot nobody
 * reads holds WAL back for ever: an upgrade that fails, is rejected or is destroyed before its
 * switch drops them, and so does the end of a rollback window. A drop that fails for a reason that
 * passes (the slot still in use by a consumer that is going away, the server restarting) is tried
 * again; one that still fails is reported, and the caller keeps the record of the slot so that a
 * later command drops it.
 */
final class SlotCleanup {
    /** Each attempt already waits up to 10 s for a busy slot to be released; then 2 s and 4 s between attempts. */
    private static final RetryConfig RETRY = RetryConfig.custom()
            .maxAttempts(3)
            .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(2), 2.0))
            .retryOnException(e -> PgErrors.objectInUse(e) || PgErrors.connectionLost(e))
            .build();

    private SlotCleanup() {}

    /**
     * Drops a slot and the publication of the same name from a universe's database; warns, with what to
     * do by hand, when it cannot.
     *
     * @return whether they are gone
     */
    static boolean drop(StateStore store, UniverseState on, String slot, Reporter reporter) {
        Retry retry = Retry.of("drop " + slot, RETRY);
        retry.getEventPublisher().onRetry(ev -> reporter.warn("dropping replication slot " + slot + " on " + on.name()
                + " failed (" + PgErrors.rootMessage(ev.getLastThrowable()) + "); trying again in "
                + ev.getWaitInterval().toSeconds() + " s"));
        try {
            var admin = Resources.adminOf(on, store, reporter);
            if (admin.isPresent()) {
                Retry.decorateCheckedRunnable(retry, () -> SnapshotCopier.dropSlotAndPublication(admin.get(), slot, slot)).run();
            }
            return true;
        } catch (Throwable e) {
            reporter.warn("could not drop replication slot " + slot + " on " + on.name() + ": " + PgErrors.rootMessage(e)
                    + "; drop it by hand (SELECT pg_drop_replication_slot('" + slot + "')) or re-run destroy");
            return false;
        }
    }
}
