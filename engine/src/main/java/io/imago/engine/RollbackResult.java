package io.imago.engine;

import java.util.Map;

/**
 * What {@code imago rollback} did.
 *
 * @param from the universe rolled back (now fenced, kept for inspection)
 * @param to the universe live again
 * @param changesShippedBack changes made on {@code from} and applied to {@code to}
 * @param pauseMs how long writes were paused; null when an earlier, interrupted run had already flipped the ingress
 * @param lost tables whose writes on {@code from} did not go back (accepted with --accept-loss), with the reason
 * @param upToDate the rollback had already been done (a re-run after one that finished): nothing was changed
 */
public record RollbackResult(String from, String to, long changesShippedBack, Long pauseMs, Map<String, String> lost, String url,
                             boolean upToDate) {
}
