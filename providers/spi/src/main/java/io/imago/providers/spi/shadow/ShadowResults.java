package io.imago.providers.spi.shadow;

import java.util.List;
import java.util.Map;

/**
 * What an ingress's shadow comparison found so far (or in all, once it stopped): counts, the latency of old and new
 * answers to the same requests, the fields learned as noise, and per route (a path with its ids as {@code {id}}) the
 * mismatches by field with one example. The old side's answers and latencies are those of a second request to an old
 * instance sent at the same moment as the new one, so both are measured alike and the users' own answers are never
 * touched.
 */
public record ShadowResults(boolean running, long startedAtMs, long endedAtMs, double sample, Counts counts,
        LatencyHistogram oldLatency, LatencyHistogram newLatency, List<NoiseModel.Learned> learnedNoise, List<RouteResult> routes) {

    /**
     * @param safeSeen GET and HEAD requests the ingress served while shadowing
     * @param unsafeSeen other requests (writes), never copied
     * @param sampled safe requests picked for copying
     * @param dropped copies dropped because the queue was full (the users' requests went on regardless)
     * @param compared copies whose old and new answers were compared
     * @param oldFailed copies the old universe did not answer, so nothing was compared
     * @param mismatches compared copies that differ beyond the ignored paths and the learned noise
     * @param noiseDiscounted compared copies whose differences were all learned noise
     * @param retried mismatches asked again after the lag
     * @param settledOnRetry of those, the ones that agreed the second time while their data was changing (not counted)
     * @param newServerErrors copies the new universe answered with a 5xx (or not at all) where the old one did not
     */
    public record Counts(long safeSeen, long unsafeSeen, long sampled, long dropped, long compared, long oldFailed,
            long mismatches, long noiseDiscounted, long retried, long settledOnRetry, long newServerErrors) {}

    /** One route: how often it was compared and differed, the fields that differed and how often, and one example. */
    public record RouteResult(String route, long compared, long mismatches, long newServerErrors, Map<String, Long> fields,
            Example example) {}

    /** One mismatching request: what was asked, both statuses, the differences and the start of both bodies. */
    public record Example(String method, String uri, int oldStatus, int newStatus, List<Difference> differences, String oldBody,
            String newBody) {}

    public double mismatchRate() {
        return counts.compared() == 0 ? 0 : (double) counts.mismatches() / counts.compared();
    }
}
