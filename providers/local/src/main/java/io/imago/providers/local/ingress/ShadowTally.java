package io.imago.providers.local.ingress;

import io.imago.providers.spi.shadow.Answer;
import io.imago.providers.spi.shadow.AnswerDiff;
import io.imago.providers.spi.shadow.Difference;
import io.imago.providers.spi.shadow.IgnorePaths;
import io.imago.providers.spi.shadow.LatencyHistogram;
import io.imago.providers.spi.shadow.NoiseModel;
import io.imago.providers.spi.shadow.ShadowResults;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the shadow comparison found, kept small: per route, the compared requests grouped by the set of fields they
 * differed on (with one example per group), and the latencies of old and new in two histograms. Whether a group is a
 * mismatch is decided when results are read, against the {@link NoiseModel} learned by then, so an early difference on
 * a field later learned as noise does not count.
 */
final class ShadowTally {
    static final int MAX_ROUTES = 500;
    static final int MAX_GROUPS = 200;
    static final int MAX_EXAMPLE_BODY = 1_000;
    private static final String OTHER_ROUTES = "(other routes)";
    private static final Set<String> TOO_MANY = Set.of("(too many different differences)");

    private static final class Group {
        long count;
        ShadowResults.Example example;
    }

    private static final class Route {
        long compared;
        long newServerErrors;
        final Map<Set<String>, Group> groups = new HashMap<>();
    }

    final NoiseModel noise = new NoiseModel();
    private final Map<String, Route> routes = new HashMap<>();
    private final AtomicLongArray oldLatency = new AtomicLongArray(LatencyHistogram.BUCKETS);
    private final AtomicLongArray newLatency = new AtomicLongArray(LatencyHistogram.BUCKETS);

    void latency(long oldNanos, long newNanos) {
        oldLatency.incrementAndGet(LatencyHistogram.bucket(oldNanos));
        newLatency.incrementAndGet(LatencyHistogram.bucket(newNanos));
    }

    /**
     * One compared request.
     *
     * @param differences how old and new differed, ignored paths and this request's own old-vs-old noise left out
     */
    synchronized void compared(String route, String method, String uri, Answer old, Answer neu, List<Difference> differences,
            boolean newServerError) {
        Route r = routes.get(route);
        if (r == null) {
            String name = routes.size() >= MAX_ROUTES ? OTHER_ROUTES : route;
            r = routes.computeIfAbsent(name, k -> new Route());
        }
        r.compared++;
        if (newServerError) {
            r.newServerErrors++;
        }
        Set<String> paths = new TreeSet<>();
        differences.forEach(d -> paths.add(IgnorePaths.normalize(d.path())));
        Set<String> key = !r.groups.containsKey(paths) && r.groups.size() >= MAX_GROUPS ? TOO_MANY : paths;
        Group g = r.groups.computeIfAbsent(key, k -> new Group());
        g.count++;
        if (g.example == null && !differences.isEmpty()) {
            g.example = new ShadowResults.Example(method, uri, old.status(), neu.status(), List.copyOf(differences.subList(0,
                    Math.min(5, differences.size()))), AnswerDiff.excerpt(old.body(), MAX_EXAMPLE_BODY),
                    AnswerDiff.excerpt(neu.body(), MAX_EXAMPLE_BODY));
        }
    }

    /** The counts the mirror keeps besides what this tally holds. */
    record Counters(long safeSeen, long unsafeSeen, long sampled, long dropped, long oldFailed, long retried, long settledOnRetry) {}

    synchronized ShadowResults results(boolean running, long startedAtMs, long endedAtMs, double sample, Counters c) {
        long compared = 0;
        long mismatches = 0;
        long discounted = 0;
        long newErrors = 0;
        List<ShadowResults.RouteResult> out = new ArrayList<>();
        for (Map.Entry<String, Route> e : routes.entrySet()) {
            String route = e.getKey();
            Route r = e.getValue();
            Map<String, Long> raw = new HashMap<>();
            r.groups.forEach((paths, g) -> paths.forEach(p -> raw.merge(p, g.count, Long::sum)));
            Map<String, Long> fields = new LinkedHashMap<>();
            long routeMismatches = 0;
            Group worst = null;
            for (Map.Entry<Set<String>, Group> ge : r.groups.entrySet()) {
                List<String> counted = ge.getKey().stream().filter(p -> !noise.discounts(route, p, raw.get(p), r.compared)).toList();
                if (counted.isEmpty()) {
                    discounted += ge.getKey().isEmpty() ? 0 : ge.getValue().count;
                    continue;
                }
                routeMismatches += ge.getValue().count;
                counted.forEach(p -> fields.merge(p, ge.getValue().count, Long::sum));
                if (worst == null || ge.getValue().count > worst.count) {
                    worst = ge.getValue();
                }
            }
            compared += r.compared;
            mismatches += routeMismatches;
            newErrors += r.newServerErrors;
            Map<String, Long> sorted = new LinkedHashMap<>();
            fields.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(f -> sorted.put(f.getKey(), f.getValue()));
            out.add(new ShadowResults.RouteResult(route, r.compared, routeMismatches, r.newServerErrors, sorted,
                    worst == null ? null : worst.example));
        }
        out.sort(Comparator.comparingLong(ShadowResults.RouteResult::mismatches).reversed()
                .thenComparing(Comparator.comparingLong(ShadowResults.RouteResult::compared).reversed()));
        ShadowResults.Counts counts = new ShadowResults.Counts(c.safeSeen(), c.unsafeSeen(), c.sampled(), c.dropped(), compared,
                c.oldFailed(), mismatches, discounted, c.retried(), c.settledOnRetry(), newErrors);
        return new ShadowResults(running, startedAtMs, endedAtMs, sample, counts, histogram(oldLatency), histogram(newLatency),
                noise.learned().stream().limit(50).toList(), out);
    }

    private static LatencyHistogram histogram(AtomicLongArray a) {
        long[] counts = new long[a.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = a.get(i);
        }
        return new LatencyHistogram(counts);
    }
}
