package io.imago.blueprints;

import java.util.List;

/** One entry of {@code validate:}, run against the new universe before the switch. */
public sealed interface CheckSpec {
    SourcePos pos();

    /** Every migrated table: source rows (after where/skip) vs target rows. */
    record RowCounts(SourcePos pos) implements CheckSpec {}

    /** Order-independent checksums of the converted rows of the named target tables. */
    record Checksums(List<String> tables, SourcePos pos) implements CheckSpec {}

    /** A request to each new instance directly; passes when the status equals {@code expect}. */
    record Http(String path, int expect, SourcePos pos) implements CheckSpec {}

    /** The same request to old and new; status and (JSON) bodies compared, {@code ignore} fields left out. */
    record Compare(String path, List<String> ignore, SourcePos pos) implements CheckSpec {}

    /**
     * Live reads copied to the new universe for {@code duration} and compared (the ingress must be able to copy them:
     * the local provider's can, an AWS ALB cannot). Passes when at least {@code minRequests} were compared, at most
     * {@code maxMismatchRate} of them differed, the new universe's p50 and p99 latency are at most
     * {@code maxLatencyRatio} times the old one's, and the new universe answered no 5xx the old one did not.
     *
     * @param report where the HTML report goes (relative to the blueprint's folder), or null for the state folder
     */
    record Shadow(java.time.Duration duration, double sample, double maxMismatchRate, double maxLatencyRatio, int minRequests,
            List<String> ignore, String report, SourcePos pos) implements CheckSpec {
        public static final double DEFAULT_SAMPLE = 0.1;
        public static final double DEFAULT_MAX_MISMATCH_RATE = 0.001;
        public static final double DEFAULT_MAX_LATENCY_RATIO = 1.5;
        public static final int DEFAULT_MIN_REQUESTS = 100;
    }

    /** A user command; exit 0 passes. Gets IMAGO_NEW_URL and IMAGO_OLD_URL. */
    record Command(List<String> argv, SourcePos pos) implements CheckSpec {}
}
